/**
 * Three nodes, three outbox senders, one PostgreSQL: every email queued anywhere is delivered
 * exactly once to a real SMTP server. Sign-ups are spread over the nodes; each node's sender
 * polls every second and claims rows with FOR UPDATE SKIP LOCKED.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Mailbox } from '../support/mailbox.js';
import { send, startMailingCluster, type Cluster } from './cluster.js';

describe('outbox with three senders', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let cluster: Cluster & { mailbox: Mailbox };
  let mailbox: Mailbox;
  before(async () => {
    cluster = await startMailingCluster(3);
    mailbox = cluster.mailbox;
  });
  after(() => cluster?.stop());

  it('delivers each of 45 sign-up emails exactly once', async () => {
    const addresses = Array.from({ length: 45 }, (_, i) => `multi-${i}@example.com`);
    const answers = await Promise.all(
      addresses.map((email, i) => send(cluster.nodes[i % 3]!, 'POST', '/accounts/action/?do=create', { json: { email } })),
    );
    assert.ok(answers.every((a) => a.status === 200));
    const deadline = Date.now() + 30_000;
    while (mailbox.messages.length < addresses.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 2500)); // a duplicate would arrive within the next polls
    const recipients = mailbox.messages.flatMap((m) => m.to).sort();
    assert.deepEqual(recipients, [...addresses].sort());
  });
});
