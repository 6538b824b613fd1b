/**
 * The outbox across processes: a restart delivers what the previous process left, a claim held
 * by a crashed node is retried once its lease expires, and two senders on one database
 * (the same SQLite file, or one PostgreSQL schema with TEST_DATABASE_URL) send each message
 * exactly once. stop() waits for the send in flight.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createOutboxSender } from '../../src/mail/outbox-sender.js';
import { mailRendererFor } from '../../src/cli/dev-mailbox.js';
import type { Mailer, OutgoingMail } from '../../src/mail/mailer.js';
import { createOutboxQueue } from '../../src/store/outbox.js';
import { createFakeClock } from '../support/clock.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';
import { createCluster, enqueue, outboxRows } from './nodes.js';

const silent = { info() {}, warn() {} };

describe('outbox across nodes and restarts', () => {
  let mailbox: Mailbox;
  let dir: string;
  before(async () => {
    mailbox = await startMailbox();
    dir = mkdtempSync(join(tmpdir(), 'latchkey-mail-'));
  });
  after(async () => {
    await mailbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a restarted process delivers what the previous one left pending', async () => {
    const clock = createFakeClock();
    const cluster = createCluster(clock, { smtpUrl: mailbox.url, sqliteFile: join(dir, 'restart.db') });
    try {
      const first = await cluster.startNode();
      mailbox.setDown(true);
      await enqueue(first, { template: 'confirm_account', to: 'restart@example.com', data: { token: 'restart-tok' } });
      await enqueue(first, { template: 'signup_attempt', to: 'restart2@example.com', data: {} });
      await first.mail.flush();
      await first.close();
      mailbox.setDown(false);

      clock.advance(2001);
      const second = await cluster.startNode();
      assert.equal(await second.mail.flush(), 2);
      const mail = await mailbox.waitFor((m) => m.to.includes('restart@example.com'));
      assert.equal(new URL(mail.links[0] as string).searchParams.get('token'), 'restart-tok');
      await mailbox.waitFor((m) => m.to.includes('restart2@example.com'));
      assert.deepEqual((await outboxRows(second)).map((r) => r.status), ['sent', 'sent']);
    } finally {
      mailbox.setDown(false);
      await cluster.dropAll();
    }
  });

  it('a message claimed by a node that crashed is sent by another node once the lease expires, not before', async () => {
    const clock = createFakeClock();
    const cluster = createCluster(clock, { smtpUrl: mailbox.url, sqliteFile: join(dir, 'crash.db') });
    try {
      const crashed = await cluster.startNode();
      await enqueue(crashed, { template: 'password_changed', to: 'crash@example.com', data: {} });
      // The node claims the row (60 s lease), then dies before sending.
      const claimed = await createOutboxQueue(crashed.database.db, crashed.database.dialect).claimDue(clock.now(), clock.now() + 60_000, 10);
      assert.equal(claimed.length, 1);
      await crashed.close();

      const survivor = await cluster.startNode();
      assert.equal(await survivor.mail.flush(), 0, 'the lease still holds');
      clock.advance(60_001);
      assert.equal(await survivor.mail.flush(), 1);
      await mailbox.waitFor((m) => m.to.includes('crash@example.com'));
      assert.equal(mailbox.messages.filter((m) => m.to.includes('crash@example.com')).length, 1);
    } finally {
      await cluster.dropAll();
    }
  });

  it('two senders on one database, flushing at the same time, deliver each of 30 messages exactly once', async () => {
    const clock = createFakeClock();
    const cluster = createCluster(clock, { smtpUrl: mailbox.url, sqliteFile: join(dir, 'pair.db') });
    try {
      const a = await cluster.startNode();
      const b = await cluster.startNode();
      const recipients = Array.from({ length: 30 }, (_, i) => `pair-${i}@example.com`);
      for (const [i, to] of recipients.entries()) {
        await enqueue(i % 2 ? a : b, { template: 'confirm_account', to, data: { token: `pair-token-${i}` } });
      }
      const [sentA, sentB] = await Promise.all([a.mail.flush(), b.mail.flush()]);
      assert.equal(sentA + sentB, 30);
      assert.ok(sentA > 0 && sentB > 0, `both senders worked (${sentA} + ${sentB})`);

      for (const to of recipients) await mailbox.waitFor((m) => m.to.includes(to));
      const got = mailbox.messages.filter((m) => m.to[0]?.startsWith('pair-'));
      assert.equal(got.length, 30);
      assert.equal(new Set(got.map((m) => m.to[0])).size, 30, 'no message was sent twice');
      const rows = await outboxRows(a);
      assert.ok(rows.every((r) => r.status === 'sent' && r.data === '{}' && r.attempts === 1));
    } finally {
      await cluster.dropAll();
    }
  });

  it('stop() waits for the send in flight, records it as sent, and hands back the rest of the batch unsent', async () => {
    const clock = createFakeClock();
    const cluster = createCluster(clock, { sqliteFile: join(dir, 'stop.db') });
    try {
      const node = await cluster.startNode();
      await enqueue(node, { template: 'account_deleted', to: 'stop@example.com', data: {} });
      clock.advance(1);
      await enqueue(node, { template: 'account_deleted', to: 'later1@example.com', data: {} });
      await enqueue(node, { template: 'account_deleted', to: 'later2@example.com', data: {} });
      let release!: () => void;
      let sendStarted!: (mail: OutgoingMail) => void;
      const started = new Promise<OutgoingMail>((r) => (sendStarted = r));
      const slow: Mailer = {
        kind: 'smtp',
        send(mail) {
          sendStarted(mail);
          return new Promise<void>((r) => (release = r));
        },
        close() {},
      };
      const sender = createOutboxSender({
        queue: createOutboxQueue(node.database.db, node.database.dialect),
        mailer: slow,
        clock,
        log: silent,
        renderer: mailRendererFor(node.config),
        pollIntervalMs: 10,
      });
      sender.start();
      assert.equal((await started).to, 'stop@example.com');

      let stopped = false;
      const stopping = sender.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(stopped, false, 'stop() returned while a send was in flight');
      release();
      await stopping;
      const rows = await outboxRows(node);
      assert.deepEqual(
        rows.map((r) => [r.recipient, r.status, r.attempts, r.locked_until]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
        [
          ['later1@example.com', 'pending', 0, null],
          ['later2@example.com', 'pending', 0, null],
          ['stop@example.com', 'sent', 1, null],
        ],
      );
      // Released claims are due at once for any node.
      assert.equal(await node.mail.flush(), 2);
    } finally {
      await cluster.dropAll();
    }
  });
});
