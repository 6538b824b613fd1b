/**
 * Two people (or one attacker and one owner) use one emailed link at the same moment on two
 * different nodes: exactly one wins, and only the winner's password works afterwards.
 * Confirmation links (cookie-session API sign-up) and reset links (Basic API reset), over real SMTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { linkFrom, type Mailbox } from '../support/mailbox.js';
import { send, startMailingCluster, type Cluster, type Node } from './cluster.js';

/** Opens a link's page on `node` like a browser would: returns its form fields and cookies. */
async function openForm(node: Node, link: string): Promise<{ cookie: string; csrf: string; token: string }> {
  const url = new URL(link);
  const res = await fetch(`${node.url}${url.pathname}${url.search}`);
  assert.equal(res.status, 200);
  const html = await res.text();
  const field = (name: string): string => {
    const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
    assert.ok(m, `hidden field ${name}`);
    return m[1]!.replace(/&amp;/g, '&');
  };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return { cookie, csrf: field('csrf'), token: field('token') };
}

async function submit(node: Node, path: string, form: { cookie: string; csrf: string; token: string }, password: string): Promise<number> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.cookie, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: form.csrf, token: form.token, password, password_confirm: password }).toString(),
  });
  return res.status;
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('one link used on two nodes at once', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let cluster: Cluster & { mailbox: Mailbox };
  let mailbox: Mailbox;
  before(async () => {
    cluster = await startMailingCluster(3);
    mailbox = cluster.mailbox;
  });
  after(() => cluster?.stop());

  it('SEC-11/67f a confirmation link sets exactly one password', async () => {
    const [a, b, c] = cluster.nodes as [Node, Node, Node];
    assert.equal((await send(a, 'POST', '/accounts/action/?do=create', { json: { email: 'twice@example.com' } })).status, 200);
    const mail = await mailbox.waitFor((m) => m.to.includes('twice@example.com'), 15_000);
    const link = linkFrom(mail, '/confirm');
    const [formB, formC] = await Promise.all([openForm(b, link), openForm(c, link)]);
    const statuses = await Promise.all([submit(b, '/confirm', formB, 'password-from-b'), submit(c, '/confirm', formC, 'password-from-c')]);
    assert.equal(statuses.filter((s) => s === 303).length, 1, `statuses ${statuses}`);
    const winner = statuses[0] === 303 ? 'password-from-b' : 'password-from-c';
    const loser = winner === 'password-from-b' ? 'password-from-c' : 'password-from-b';
    const login = (password: string) => send(a, 'POST', '/accounts/action/?do=login', { json: { username: 'twice@example.com', password } });
    assert.equal((await login(winner)).status, 200);
    assert.equal((await login(loser)).status, 401);
  });

  it('SEC-49/67f a reset link sets exactly one new password', async () => {
    const [a, b, c] = cluster.nodes as [Node, Node, Node];
    const created = await send(a, 'POST', '/api/account', {
      json: { username: 'racer@example.com', password: 'the old password', email: 'racer-mail@example.com' },
    });
    assert.equal(created.status, 201);
    assert.equal((await send(b, 'POST', '/api/account/pw/reset', { json: { username: 'racer@example.com' } })).status, 200);
    const mail = await mailbox.waitFor((m) => m.to.includes('racer-mail@example.com'), 15_000);
    const link = linkFrom(mail, '/reset');
    const [formB, formC] = await Promise.all([openForm(b, link), openForm(c, link)]);
    const statuses = await Promise.all([submit(b, '/reset/complete', formB, 'new password b'), submit(c, '/reset/complete', formC, 'new password c')]);
    assert.equal(statuses.filter((s) => s === 303).length, 1, `statuses ${statuses}`);
    const winner = statuses[0] === 303 ? 'new password b' : 'new password c';
    const loser = winner === 'new password b' ? 'new password c' : 'new password b';
    assert.equal((await send(a, 'GET', '/api/', { headers: basic('racer@example.com', winner) })).status, 200);
    assert.equal((await send(a, 'GET', '/api/', { headers: basic('racer@example.com', loser) })).status, 401);
    assert.equal((await send(a, 'GET', '/api/', { headers: basic('racer@example.com', 'the old password') })).status, 401);
  });
});
