/**
 * `GET /dev/mail`: the dev outbox as a page, every message with its links, for a developer
 * running Latchkey without an SMTP server. The CLI wiring mounts it only while the dev outbox
 * is in use, NODE_ENV is not production and the server listens on loopback only
 * (src/cli/dev-mailbox.ts): the links carry live one-time tokens.
 */
import type { FastifyInstance } from 'fastify';
import type { DevMailbox, DevMailMessage } from '../core/dev-mail/ports.js';
import { htmlResponse, PUBLIC, type RouteSchema } from './openapi/route-docs.js';
import { html, type SafeHtml } from './pages/html.js';
import { page, PAGE_HEADERS, sendPage } from './pages/layout.js';

const devMailRoute: RouteSchema = {
  summary: 'Development mail: the dev outbox with its links',
  description: 'Served only without SMTP_URL, outside production and on a loopback listener; lists the newest 50 messages.',
  tags: ['ops'],
  security: PUBLIC,
  response: { 200: htmlResponse('The messages, newest first, with clickable links.') },
};

function message(m: DevMailMessage): SafeHtml {
  const links = m.links.map((l) => html`<li><a href="${l}">${l}</a></li>`);
  return html`<section id="m-${m.id}"><h2>${m.subject ?? `(${m.template}: contents not kept)`}</h2>
<p>To ${m.recipient} · ${new Date(m.createdAt).toISOString().replace('T', ' ').slice(0, 19)} UTC · ${m.status}</p>
${links.length ? html`<ul>${links}</ul>` : ''}
${m.text === null ? '' : html`<details><summary>Text</summary><pre style="white-space:pre-wrap">${m.text}</pre></details>`}</section>`;
}

/** Registers GET /dev/mail over `mailbox`. */
export function devMailRoutes(app: FastifyInstance, mailbox: DevMailbox): void {
  app.get('/dev/mail', { schema: devMailRoute }, async (_req, reply) => {
    const messages = await mailbox.recent(50);
    reply.headers(PAGE_HEADERS);
    const intro = html`<p>Mail is not sent: SMTP_URL is unset. These are the messages Latchkey would have sent, newest first.</p>`;
    return sendPage(reply, 200, page('Development mail', html`${intro}${messages.length ? messages.map(message) : html`<p>No messages yet.</p>`}`));
  });
}
