/** `latchkey outbox`, run as an operator would: a real process on a temporary SQLite file. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { parseOutboxArgs } from '../../src/cli/commands/outbox.js';
import { createFakeClock } from '../support/clock.js';
import { startMailbox, type Mailbox } from '../support/mailbox.js';
import { createCluster, enqueue, outboxRows } from './nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-outbox-cli-'));
const dbFile = join(dir, 'outbox.db');
const cli = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'outbox', ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, SMTP_URL: '' },
    encoding: 'utf8',
    timeout: 30_000,
  });

describe('latchkey outbox', () => {
  let mailbox: Mailbox;
  let ids: { sent: string; pending: string; failed: string };

  before(async () => {
    // Seed: one sent, one pending (SMTP down) and one failed message, each with a canary secret.
    const suiteDatabase = process.env.TEST_DATABASE_URL;
    delete process.env.TEST_DATABASE_URL; // the CLI reads this SQLite file, whatever the suite's database
    mailbox = await startMailbox();
    const clock = createFakeClock();
    const cluster = createCluster(clock, { smtpUrl: mailbox.url, sqliteFile: dbFile });
    const node = await cluster.startNode();
    await enqueue(node, { template: 'confirm_account', to: 'sent@example.com', data: { token: 'canary-sent-token' } });
    await node.mail.flush();
    mailbox.setDown(true);
    await enqueue(node, { template: 'reset_password', to: 'pending@example.com', data: { token: 'canary-pending-token' } });
    await enqueue(node, { template: 'new_password', to: 'failed@example.com', data: {} });
    await node.mail.flush();
    const rows = await outboxRows(node);
    const by = (to: string): string => rows.find((r) => r.recipient === to)!.id;
    ids = { sent: by('sent@example.com'), pending: by('pending@example.com'), failed: by('failed@example.com') };
    await node.close();
    mailbox.setDown(false);
    if (suiteDatabase !== undefined) process.env.TEST_DATABASE_URL = suiteDatabase;
  });
  after(async () => {
    await mailbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every message with id, template, recipient, status and attempts, but never a token', () => {
    const r = cli([]);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^ID\s+TEMPLATE\s+RECIPIENT\s+STATUS\s+ATTEMPTS\s+CREATED\s+LAST ERROR$/);
    assert.equal(lines.length, 4);
    assert.match(r.stdout, new RegExp(`${ids.sent}\\s+confirm_account\\s+sent@example.com\\s+sent\\s+1`));
    assert.match(r.stdout, new RegExp(`${ids.pending}\\s+reset_password\\s+pending@example.com\\s+pending\\s+1 .*451`));
    assert.match(r.stdout, new RegExp(`${ids.failed}\\s+new_password\\s+failed@example.com\\s+failed\\s+1 .*missing "password"`));
    assert.ok(!r.stdout.includes('canary'), 'a token was printed');
  });

  it('--failed shows only failed messages; --json is parseable and has no data field', () => {
    const failed = cli(['--failed']);
    assert.equal(failed.status, 0);
    assert.ok(failed.stdout.includes(ids.failed));
    assert.ok(!failed.stdout.includes(ids.pending) && !failed.stdout.includes(ids.sent));

    const json = cli(['--json']);
    assert.equal(json.status, 0);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.equal(rows.length, 3);
    assert.deepEqual(Object.keys(rows[0] ?? {}).sort(), ['attempts', 'createdAt', 'id', 'lastError', 'nextAttemptAt', 'recipient', 'sentAt', 'status', 'template']);
    assert.ok(!json.stdout.includes('canary'));
  });

  it('--retry ID makes a failed message pending and due again; an unknown or sent ID exits 1', () => {
    const r = cli(['--retry', ids.failed]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /is due now/);
    const after = JSON.parse(cli(['--json']).stdout) as Array<{ id: string; status: string; attempts: number }>;
    const row = after.find((x) => x.id === ids.failed);
    assert.equal(row?.status, 'pending');
    assert.equal(row?.attempts, 0);

    const unknown = cli(['--retry', '00000000-0000-0000-0000-000000000000']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no pending or failed message/);
    assert.equal(cli(['--retry', ids.sent]).status, 1);
  });

  it('rejects bad arguments with one line and exit status 2', () => {
    for (const args of [['--bogus'], ['--retry']]) {
      const r = cli(args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      assert.match(r.stderr, /^latchkey outbox: /);
    }
    for (const args of [['--retry', '--json'], ['--retry', 'x;drop'], ['--failed', '--retry', ids.failed], ['extra'], ['--retry=']]) {
      assert.throws(() => parseOutboxArgs(args), UsageError, args.join(' '));
    }
    assert.deepEqual(parseOutboxArgs(['--json', `--retry=${ids.failed}`]), { failedOnly: false, json: true, retryId: ids.failed, showId: null });
  });

  it('prints help with --help', () => {
    const r = cli(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--retry ID/);
    assert.match(r.stdout, /never shown/);
  });
});
