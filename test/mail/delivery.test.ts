/**
 * Durable email over real SMTP: messages queued through the Outbox port reach the SMTP sink,
 * survive a mail server outage with backoff, are delivered exactly once, and lose their data
 * (tokens, passwords) once sent. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runOutbox } from '../../src/cli/commands/outbox.js';
import { mailRendererFor } from '../../src/cli/dev-mailbox.js';
import { linkFrom, startMailbox, type Mailbox } from '../support/mailbox.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { enqueue, outboxRows } from './nodes.js';

describe('outbox delivery over SMTP', () => {
  let mailbox: Mailbox;
  let t: TestInstance;
  before(async () => {
    mailbox = await startMailbox();
  });
  after(async () => {
    await mailbox.stop();
  });
  beforeEach(async () => {
    mailbox.setDown(false);
    mailbox.messages.length = 0;
  });

  async function withInstance(fn: (t: TestInstance) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
    t = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, env: { PUBLIC_URL: 'https://accounts.example.com', ...env } });
    try {
      await fn(t);
    } finally {
      await t.close();
    }
  }

  it('delivers a queued confirmation to the recipient with a PUBLIC_URL link that carries the token', () =>
    withInstance(async (t) => {
      const token = 'canary-token-Zq9+/=';
      await enqueue(t.latchkey, { template: 'confirm_account', to: 'ann@example.com', data: { token, username: 'ann' } });
      assert.equal(await t.flushOutbox(), 1);

      const mail = await mailbox.waitFor((m) => m.to.includes('ann@example.com'));
      assert.equal(mail.subject, 'Confirm your Latchkey account');
      assert.match(mail.from, /^"?Accounts"? <accounts@example\.com>$/);
      const link = new URL(linkFrom(mail, '/confirm'));
      assert.equal(link.origin, 'https://accounts.example.com');
      assert.equal(link.searchParams.get('token'), token);
      assert.ok(mail.html.includes('href="https://accounts.example.com/confirm?token='));
      assert.equal(mailbox.messages.length, 1);
      // docs/security.md, SEC-51 and SEC-66: with a real SMTP server the token never reaches the log.
      assert.ok(!t.logs.join('\n').includes('canary-token'), 'token found in logs');
    }, { MAIL_FROM: 'Accounts <accounts@example.com>' }));

  it('SEC-66 clears the data of a sent message, so no token or password stays in the database', () =>
    withInstance(async (t) => {
      await enqueue(t.latchkey, { template: 'new_password', to: 'bob@example.com', data: { password: 'generated-pw-123' } });
      await enqueue(t.latchkey, { template: 'reset_password', to: 'bob@example.com', data: { token: 'reset-tok' } });
      assert.equal(await t.flushOutbox(), 2);
      const rows = await outboxRows(t.latchkey);
      assert.deepEqual(rows.map((r) => [r.status, r.data]), [['sent', '{}'], ['sent', '{}']]);
      assert.ok(rows.every((r) => r.sent_at === t.clock.now() && r.locked_until === null));
      const pw = await mailbox.waitFor((m) => m.subject === 'Your new password');
      assert.ok(pw.text.includes('generated-pw-123'));
    }));

  it('keeps a message pending with its attempts counted while SMTP is down, then delivers it exactly once after the backoff', () =>
    withInstance(async (t) => {
      mailbox.setDown(true);
      await enqueue(t.latchkey, { template: 'reset_password', to: 'cat@example.com', data: { token: 'tok-down' } });
      assert.equal(await t.flushOutbox(), 0);
      let [row] = await outboxRows(t.latchkey);
      assert.equal(row?.status, 'pending');
      assert.equal(row?.attempts, 1);
      assert.match(row?.last_error ?? '', /451/);
      assert.ok(!(row?.last_error ?? '').includes('tok-down'));
      assert.equal(row?.next_attempt_at, t.clock.now() + 2000);
      assert.equal(row?.data, JSON.stringify({ token: 'tok-down' }), 'data is kept until delivery');

      // Not due yet: a second flush does not even try.
      assert.equal(await t.flushOutbox(), 0);
      [row] = await outboxRows(t.latchkey);
      assert.equal(row?.attempts, 1);

      // Still down after the first backoff: the second backoff doubles.
      t.clock.advance(2001);
      assert.equal(await t.flushOutbox(), 0);
      [row] = await outboxRows(t.latchkey);
      assert.equal(row?.attempts, 2);
      assert.equal(row?.next_attempt_at, t.clock.now() + 4000);

      mailbox.setDown(false);
      t.clock.advance(4001);
      assert.equal(await t.flushOutbox(), 1);
      assert.equal(await t.flushOutbox(), 0);
      await mailbox.waitFor((m) => m.to.includes('cat@example.com'));
      assert.equal(mailbox.messages.filter((m) => m.to.includes('cat@example.com')).length, 1);
      [row] = await outboxRows(t.latchkey);
      assert.equal(row?.status, 'sent');
      assert.equal(row?.data, '{}');
    }));

  it('gives up after 20 attempts (status failed, backoff capped at 5 minutes) and sends again after `outbox --retry`', () =>
    withInstance(async (t) => {
      mailbox.setDown(true);
      await enqueue(t.latchkey, { template: 'password_changed', to: 'dan@example.com', data: {} });
      for (let i = 1; i <= 20; i += 1) {
        assert.equal(await t.flushOutbox(), 0);
        const [row] = await outboxRows(t.latchkey);
        assert.equal(row?.attempts, i);
        assert.equal(row?.status, i < 20 ? 'pending' : 'failed');
        assert.ok((row?.next_attempt_at ?? 0) - t.clock.now() <= 5 * 60_000);
        t.clock.advance(5 * 60_000 + 1);
      }
      mailbox.setDown(false);
      assert.equal(await t.flushOutbox(), 0, 'a failed message is not retried on its own');
      const [failed] = await outboxRows(t.latchkey);

      const retried = await runOutbox({ failedOnly: false, json: false, retryId: failed!.id, showId: null }, t.latchkey.database, t.clock.now(), mailRendererFor(t.latchkey.config));
      assert.equal(retried.status, 0);
      assert.equal(await t.flushOutbox(), 1);
      await mailbox.waitFor((m) => m.to.includes('dan@example.com'));
      assert.equal(mailbox.messages.length, 1);
    }));

  it('fails at once, without retrying, a message whose data cannot be rendered', () =>
    withInstance(async (t) => {
      await enqueue(t.latchkey, { template: 'confirm_account', to: 'eve@example.com', data: {} });
      assert.equal(await t.flushOutbox(), 0);
      const [row] = await outboxRows(t.latchkey);
      assert.equal(row?.status, 'failed');
      assert.equal(row?.attempts, 1);
      assert.match(row?.last_error ?? '', /missing "token"/);
      assert.equal(mailbox.messages.length, 0);
    }));

  it('SEC-55 refuses a recipient with a line break instead of sending', () =>
    withInstance(async (t) => {
      await enqueue(t.latchkey, { template: 'password_changed', to: 'a@example.com\r\nBcc: victim@example.com', data: {} });
      assert.equal(await t.flushOutbox(), 0);
      const [row] = await outboxRows(t.latchkey);
      assert.equal(row?.status, 'failed');
      assert.equal(mailbox.messages.length, 0);
    }));

  it('sends on its own when the polling loop is started', async () => {
    const t = await createTestInstance({ hasher: 'fast', smtpUrl: mailbox.url, startMailSender: true, env: { OUTBOX_POLL_INTERVAL: '1s' } });
    try {
      await enqueue(t.latchkey, { template: 'account_deleted', to: 'fay@example.com', data: {} });
      const mail = await mailbox.waitFor((m) => m.to.includes('fay@example.com'), 5000);
      assert.equal(mail.subject, 'Your account was deleted');
    } finally {
      await t.close();
    }
  });
});

describe('dev outbox (no SMTP_URL)', () => {
  it('counts the message as sent and logs its link at info level, and only the link', async () => {
    const t = await createTestInstance({ hasher: 'fast' });
    try {
      await enqueue(t.latchkey, { template: 'confirm_account', to: 'gus@example.com', data: { token: 'dev-token-1' } });
      await enqueue(t.latchkey, { template: 'new_password', to: 'gus@example.com', data: { password: 'dev-password-1' } });
      assert.equal(await t.flushOutbox(), 2);
      const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'mail_dev_outbox');
      assert.equal(lines.length, 2);
      assert.equal(lines[0]?.link, 'http://localhost:3000/confirm?token=dev-token-1');
      assert.equal(lines[0]?.level, 30);
      assert.ok(!t.logs.join('\n').includes('dev-password-1'), 'a generated password is never logged');
      const rows = await outboxRows(t.latchkey);
      assert.deepEqual(rows.map((r) => r.status), ['sent', 'sent']);
    } finally {
      await t.close();
    }
  });
});
