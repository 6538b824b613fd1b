/**
 * docs/security.md, SEC-67e and README, "Email": the SMTP server is down for a whole minute while users sign up, ask for a new
 * confirmation link, ask for a password reset and sign up again with a taken address, on every
 * node. For 30 s the SMTP port refuses connections, for 30 s more a server answers every message
 * with a 451 temporary failure; then it accepts. No message is lost and each is delivered exactly
 * once, within a few seconds of the server accepting (OUTBOX_MAX_BACKOFF bounds the wait; the
 * default 5 min would hold some messages for minutes). On SQLite one node; with
 * TEST_DATABASE_URL three nodes on one PostgreSQL, each with its own outbox sender.
 * About 75 s of real time: the outage is real, not a fake clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { backoffMs } from '../../src/mail/outbox-sender.js';
import { send, startCluster, startNode, stopNode, type Node } from '../multinode/cluster.js';
import { linkFrom, startMailbox, type Mailbox, type ReceivedMail } from '../support/mailbox.js';

const OUTAGE_REFUSED_MS = 30_000;
const OUTAGE_451_MS = 30_000;
const MAX_BACKOFF_S = 5;
/**
 * After the server accepts again, everything must arrive within this: the backoff cap plus a few
 * polls on an idle machine (about 13 s), with room for a loaded one. A sender that ignored the cap
 * (the default backoff is 5 minutes) would still miss it. The time taken is printed.
 */
const DELIVERY_BOUND_MS = 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

const SUBJECT = {
  confirm: 'Confirm your Latchkey account',
  reset: 'Reset your Latchkey password',
  signupAttempt: 'Someone tried to sign up with your address',
};

describe('OUTBOX_MAX_BACKOFF', () => {
  it('defaults to 5 minutes and caps the doubling backoff at the configured value', () => {
    assert.equal(loadConfig({}).outboxMaxBackoffMs, 300_000);
    assert.equal(loadConfig({ OUTBOX_MAX_BACKOFF: '5' }).outboxMaxBackoffMs, 5_000);
    assert.equal(loadConfig({ OUTBOX_MAX_BACKOFF: '1m' }).outboxMaxBackoffMs, 60_000);
    assert.deepEqual([1, 2, 3, 4, 12].map((n) => backoffMs(n, 5_000)), [2_000, 4_000, 5_000, 5_000, 5_000]);
    assert.equal(backoffMs(30), 300_000);
  });

  it('refuses a bad value with one line naming the variable', () => {
    for (const bad of ['soon', '1', '-5', '2d']) {
      assert.throws(
        () => loadConfig({ OUTBOX_MAX_BACKOFF: bad }),
        (err: unknown) => err instanceof ConfigError && err.message.startsWith('OUTBOX_MAX_BACKOFF ') && !err.message.includes('\n'),
        bad,
      );
    }
  });
});

/** A message the workload expects: who gets it, and which template (by subject). */
interface Expected {
  to: string;
  subject: string;
}

interface Scenario {
  nodes: Node[];
  stop(): Promise<void>;
}

async function startScenario(smtpUrl: string): Promise<Scenario> {
  const env = { SMTP_URL: smtpUrl, OUTBOX_POLL_INTERVAL: '1', OUTBOX_MAX_BACKOFF: String(MAX_BACKOFF_S) };
  if (usingPostgres) {
    const cluster = await startCluster(3, env);
    return { nodes: cluster.nodes, stop: () => cluster.stop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-smtp-'));
  const node = await startNode('A', `sqlite:${join(dir, 'smtp.db')}`, env).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    nodes: [node],
    async stop() {
      await stopNode(node);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The hosted "send me a new link" form, posted the way a browser on our origin does. */
function resendConfirmation(node: Node, email: string): ReturnType<typeof send> {
  const csrf = 'smtp-outage-form-token-0123456789';
  return fetch(`${node.url}/confirm/resend`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'sec-fetch-site': 'same-origin',
      cookie: `latchkey_form=${csrf}`,
    },
    body: new URLSearchParams({ csrf, email }).toString(),
  }).then(async (res) => ({ status: res.status, body: await res.text(), headers: res.headers }));
}

const tokenOf = (mail: ReceivedMail): string => {
  const path = mail.subject === SUBJECT.reset ? '/reset' : mail.subject === SUBJECT.confirm ? '/confirm' : null;
  return path === null ? `${mail.to.join()}|${mail.subject}` : new URL(linkFrom(mail, path)).searchParams.get('token')!;
};

describe(`the SMTP server down for a minute (${usingPostgres ? 'three nodes on PostgreSQL' : 'one node on SQLite'})`, { timeout: 300_000 }, () => {
  let scenario: Scenario | undefined;
  let mailbox: Mailbox | undefined;
  let smtpPort: number;

  before(async () => {
    // Take a port for the SMTP server, then close it: from now on it refuses connections.
    const probe = await startMailbox();
    smtpPort = Number(new URL(probe.url).port);
    await probe.stop();
    scenario = await startScenario(`smtp://127.0.0.1:${smtpPort}`);
  });

  after(async () => {
    await scenario?.stop();
    await mailbox?.stop();
  });

  it('loses no message and delivers each exactly once, soon after the server accepts again', async (t) => {
    const nodes = scenario!.nodes;
    const outageStart = Date.now();
    const expected: Expected[] = [];
    const statuses: number[] = [];

    // Active accounts, one pool for resets and one for sign-ups with a taken address, so that each
    // address asks for at most one budgeted email (mail-budget.ts: one a minute).
    const makeAccounts = (pool: string) =>
      Array.from({ length: 12 }, (_, i) => ({ username: `smtp-${pool}-${i}`, email: `smtp-${pool}-${i}@example.com`, password: `smtp-password-${i}-ok` }));
    const toReset = makeAccounts('reset');
    const taken = makeAccounts('taken');
    await Promise.all(
      [...toReset, ...taken].map(async (account, i) => {
        const reg = await send(nodes[i % nodes.length]!, 'POST', '/api/v1/account/register', { json: account });
        assert.equal(reg.status, 200, `register ${account.username}`);
      }),
    );

    // A request every ~1.2 s on the next node, cycling through four kinds, until just before the end.
    const pending: string[] = [];
    let resets = 0;
    let attempts = 0;
    let phaseTwo: Promise<void> | undefined;
    for (let k = 0; Date.now() - outageStart < OUTAGE_REFUSED_MS + OUTAGE_451_MS - 3_000; k++) {
      const node = nodes[k % nodes.length]!;
      if (phaseTwo === undefined && Date.now() - outageStart >= OUTAGE_REFUSED_MS) {
        // Second half: a server listens on the same port but refuses every message with 451.
        phaseTwo = startMailbox({ port: smtpPort }).then((m) => {
          mailbox = m;
          m.setDown(true);
        });
        await phaseTwo;
      }
      const kind = k % 4;
      if (kind === 0 || (kind === 1 && pending.length === 0)) {
        const email = `smtp-new-${k}@example.com`;
        statuses.push((await send(node, 'POST', '/accounts/action/?do=create', { json: { email } })).status);
        pending.push(email);
        expected.push({ to: email, subject: SUBJECT.confirm });
      } else if (kind === 1) {
        // A new link for an address signed up earlier, asked on another node than the sign-up.
        const email = pending.shift()!;
        statuses.push((await resendConfirmation(node, email)).status);
        expected.push({ to: email, subject: SUBJECT.confirm });
      } else if (kind === 2 && resets < toReset.length) {
        const account = toReset[resets++]!;
        statuses.push((await send(node, 'POST', '/api/account/pw/reset', { json: { username: account.username } })).status);
        expected.push({ to: account.email, subject: SUBJECT.reset });
      } else if (kind === 3 && attempts < taken.length) {
        const account = taken[attempts++]!;
        statuses.push((await send(node, 'POST', '/accounts/action/?do=create', { json: { email: account.email } })).status);
        expected.push({ to: account.email, subject: SUBJECT.signupAttempt });
      }
      await sleep(1_200);
    }
    assert.ok(
      statuses.every((s) => s === 200),
      `every request is answered normally while mail is down (${statuses.join(',')})`,
    );
    // About 45 on an idle machine; fewer when each request is slow, but enough to mean something.
    assert.ok(expected.length >= 12, `the workload queued ${expected.length} messages`);
    assert.ok(mailbox !== undefined, 'the 451 phase ran');
    await sleep(Math.max(0, outageStart + OUTAGE_REFUSED_MS + OUTAGE_451_MS - Date.now()));
    assert.equal(mailbox!.messages.length, 0, 'nothing got through during the outage');
    assert.ok(mailbox!.refused > 0, 'the senders kept trying while the server answered 451');

    // The server accepts again: everything arrives within the backoff cap plus a poll or two (on an
    // idle machine; DELIVERY_BOUND_MS allows for a loaded one).
    mailbox!.setDown(false);
    const up = Date.now();
    const deadline = up + DELIVERY_BOUND_MS;
    while (mailbox!.messages.length < expected.length && Date.now() < deadline) await sleep(100);
    const deliveredAfter = Date.now() - up;
    await sleep(3_000); // a duplicate would arrive within the next polls

    const key = (m: Expected): string => `${m.to} | ${m.subject}`;
    const got = mailbox!.messages.map((m) => key({ to: m.to.join(','), subject: m.subject })).sort();
    assert.deepEqual(got, expected.map(key).sort(), 'exactly the expected messages, none lost, none twice');
    const tokens = mailbox!.messages.map(tokenOf);
    assert.equal(new Set(tokens).size, tokens.length, 'no message was delivered twice');
    assert.ok(deliveredAfter <= DELIVERY_BOUND_MS, `all delivered ${deliveredAfter} ms after the server came back`);
    console.log(`# ${expected.length} messages on ${nodes.length} node(s); ${mailbox!.refused} attempts refused with 451; all delivered ${deliveredAfter} ms after the server came back`);
    t.diagnostic(`${expected.length} messages on ${nodes.length} node(s); ${mailbox!.refused} attempts refused with 451; all delivered ${deliveredAfter} ms after the server came back`);

    // The delayed links still work: the last reset link opens its form on any node.
    const reset = mailbox!.messages.find((m) => m.subject === SUBJECT.reset)!;
    const link = new URL(linkFrom(reset, '/reset'));
    const page = await fetch(`${nodes[nodes.length - 1]!.url}${link.pathname}${link.search}`);
    assert.equal(page.status, 200);
  });
});
