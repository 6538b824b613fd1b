/**
 * docs/security.md, SEC-54: the per-address mail budget (mail-budget.ts: one reset, resend or
 * sign-up notice a minute and five an hour per address) is one budget across the nodes, not one
 * per node. Bursts of reset requests (HTTP Basic API and the hosted page) and sign-ups with the
 * taken address, spread over three real nodes, yield exactly the budget's number of emails at a
 * real SMTP server. The nodes run on the real clock, so the test moves the address's one-minute
 * window back in the database to play "a minute later"; the hour window is never touched.
 * Runs only with TEST_DATABASE_URL (skipped with a notice otherwise).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/index.js';
import type { Mailbox } from '../support/mailbox.js';
import { send, startMailingCluster, type Cluster, type Node } from './cluster.js';

const VICTIM = { username: 'budget-victim', email: 'budget.victim@example.com', password: 'budget-password-1' };
const OTHER = { username: 'budget-other', email: 'budget.other@example.com', password: 'budget-password-2' };
const MAILS_PER_HOUR = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The hosted "forgot password" form, posted the way a browser on our origin does. */
async function resetByPage(node: Node, identifier: string): Promise<number> {
  const csrf = 'mail-budget-form-token-0123456789';
  const res = await fetch(`${node.url}/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', cookie: `latchkey_form=${csrf}` },
    body: new URLSearchParams({ csrf, identifier }).toString(),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('the per-address mail budget across three nodes', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let cluster: Cluster & { mailbox: Mailbox };

  before(async () => {
    cluster = await startMailingCluster(3);
    for (const account of [VICTIM, OTHER]) {
      assert.equal((await send(cluster.nodes[0]!, 'POST', '/api/v1/account/register', { json: account })).status, 200);
    }
  });
  after(() => cluster?.stop());

  const mailTo = (email: string): number => cluster.mailbox.messages.filter((m) => m.to.includes(email)).length;

  /** Nine requests for the victim's address at once, three per node, three kinds; all answered 200. */
  async function burst(): Promise<void> {
    const statuses = await Promise.all(
      cluster.nodes.flatMap((node) => [
        send(node, 'POST', '/api/account/pw/reset', { json: { username: VICTIM.username } }).then((r) => r.status),
        resetByPage(node, VICTIM.email.toUpperCase()),
        send(node, 'POST', '/accounts/action/?do=create', { json: { email: VICTIM.email } }).then((r) => r.status),
      ]),
    );
    assert.deepEqual(statuses, Array(9).fill(200), 'every request gets the same answer, over budget or not');
  }

  /** Waits until `count` emails reached `email` (or 10 s), then 2.5 s more for any extra one. */
  async function settle(email: string, count: number): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (mailTo(email) < count && Date.now() < deadline) await sleep(100);
    await sleep(2500);
    return mailTo(email);
  }

  /** "A minute later" for the budget: moves every one-minute mail window back past its end. */
  async function rewindMinuteWindows(): Promise<void> {
    const opened = await openDatabase(cluster.database.url);
    try {
      await opened.db
        .updateTable('login_throttle')
        .set({ window_start: Date.now() - 61_000 })
        .where('key', 'like', 'mail-min:%')
        .execute();
    } finally {
      await opened.close();
    }
  }

  it('SEC-21/54 nine simultaneous requests for one address over three nodes send one email; another address keeps its own budget', async () => {
    await Promise.all([burst(), send(cluster.nodes[2]!, 'POST', '/api/account/pw/reset', { json: { username: OTHER.username } })]);
    assert.equal(await settle(VICTIM.email, 1), 1, 'one email a minute per address, whichever node was asked');
    assert.equal(await settle(OTHER.email, 1), 1, 'the other address was not charged for the victim');
  });

  it(`over the hour, bursts on every node yield exactly ${MAILS_PER_HOUR} emails to the address`, async () => {
    for (let round = 2; round <= MAILS_PER_HOUR + 2; round++) {
      await rewindMinuteWindows();
      await burst();
      const expected = Math.min(round, MAILS_PER_HOUR);
      assert.equal(await settle(VICTIM.email, expected), expected, `after burst ${round}`);
    }
    const subjects = cluster.mailbox.messages.filter((m) => m.to.includes(VICTIM.email)).map((m) => m.subject);
    assert.ok(
      subjects.every((s) => s === 'Reset your Latchkey password' || s === 'Someone tried to sign up with your address'),
      subjects.join(', '),
    );
  });
});
