/**
 * The dev outbox's reader (src/core/dev-mail/ports.ts): outbox rows rendered with the mail
 * templates, for /dev/mail and `latchkey outbox --show`. Also decides when /dev/mail is served:
 * only while all three hold (README, "Development mail"): the dev outbox is in use (no
 * SMTP_URL), NODE_ENV is not production, and the server listens on loopback only, so a link
 * token is never shown to anyone but the developer at this machine.
 */
import { isIP } from 'node:net';
import type { Config } from '../config/index.js';
import type { DevMailbox, DevMailMessage } from '../core/dev-mail/ports.js';
import { createMailRenderer, type MailRenderer } from '../mail/templates/index.js';
import { createUi, type Ui } from '../ui/index.js';
import type { OutboxQueue, OutboxRow } from '../store/outbox.js';

/** True when HOST accepts connections from this machine only. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/** Whether /dev/mail is served: dev outbox, not production, loopback only. */
export function devMailServed(config: Pick<Config, 'smtpUrl' | 'production' | 'host'>): boolean {
  return config.smtpUrl === null && !config.production && isLoopbackHost(config.host);
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/g;

/** A row as its recipient would read it; contents null when they were not kept. */
export function renderDevMessage(row: OutboxRow, renderer: MailRenderer): DevMailMessage {
  const base = { id: row.id, template: row.template, recipient: row.recipient, status: row.status, createdAt: row.created_at };
  try {
    const data = JSON.parse(row.data) as Record<string, string>;
    const mail = renderer.render(row.template, data, row.language ?? null);
    const links = [...new Set([...(mail.link ? [mail.link] : []), ...(mail.text.match(URL_IN_TEXT) ?? [])])];
    return { ...base, subject: mail.subject, text: mail.text, links };
  } catch {
    return { ...base, subject: null, text: null, links: [] };
  }
}

/** The mail renderer for `config` (brand, TEMPLATES_DIR, PUBLIC_URL), over `ui` when one is built already. */
export function mailRendererFor(config: Pick<Config, 'brand' | 'publicUrl'>, ui: Ui = createUi({ brand: config.brand, publicUrl: config.publicUrl })): MailRenderer {
  return createMailRenderer(ui, config.publicUrl);
}

/** The dev mailbox over the outbox queue. */
export function createDevMailbox(queue: OutboxQueue, renderer: MailRenderer): DevMailbox {
  return {
    async recent(limit) {
      const rows = await queue.list({ limit });
      const full = await Promise.all(rows.map((r) => queue.find(r.id)));
      return full.filter((r): r is OutboxRow => r !== null).map((r) => renderDevMessage(r, renderer));
    },
    async find(id) {
      const row = await queue.find(id);
      return row === null ? null : renderDevMessage(row, renderer);
    },
  };
}
