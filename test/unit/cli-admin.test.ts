/**
 * `latchkey user ...` and `latchkey sessions revoke`, run as an operator would: real processes
 * on a temporary SQLite file (or a fresh PostgreSQL schema with TEST_DATABASE_URL), with real
 * argon2id, checked against a Latchkey instance serving the same database, the way its users
 * would notice: a disabled user's token is refused, a new password works and the old one not.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UsageError } from '../../src/cli/command.js';
import { parseSessionsArgs } from '../../src/cli/commands/sessions.js';
import { parseFlags } from '../../src/cli/args.js';
import { parseUserArgs } from '../../src/cli/commands/user.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { login } from '../support/jwt-api.js';

const PASSWORD = 'Tangerine-Kettle-81';
const NEW_PASSWORD = 'Velvet-Harbour-Lantern-4';
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-admin-'));
let database: TestDatabase;

const cli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
    input: options.input ?? '',
  });

/** Runs a command that must succeed with JSON output and returns it parsed. */
function cliJson(args: string[], input?: string): any {
  const r = cli([...args, '--json'], input === undefined ? {} : { input });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function assertOneLine(r: ReturnType<typeof cli>, status: number, prefix: string, message: RegExp): void {
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.startsWith(prefix), r.stderr);
  assert.match(r.stderr, message);
  assert.equal(r.stdout, '');
}

async function loginStatus(t: TestInstance, username: string, password: string): Promise<number> {
  return (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } })).status;
}

describe('latchkey user and sessions: arguments', () => {
  it('parses every action and refuses anything else with a UsageError', () => {
    assert.deepEqual(parseUserArgs(['add', '--username', 'alice', '--email=a@example.com', '--password-stdin']), {
      action: 'add',
      json: false,
      username: 'alice',
      email: 'a@example.com',
      passwordStdin: true,
    });
    assert.deepEqual(parseUserArgs(['list', '--status', 'disabled', '--limit=10', '--search', 'al', '--json']), {
      action: 'list',
      json: true,
      query: { status: 'disabled', limit: 10, search: 'al' },
    });
    assert.deepEqual(parseUserArgs(['delete', '--yes', 'alice']), { action: 'delete', json: false, user: 'alice', yes: true });
    assert.deepEqual(parseUserArgs(['show', '--', '-odd-name']), { action: 'show', json: false, user: '-odd-name' });
    assert.deepEqual(parseSessionsArgs(['revoke', '--account', 'alice', '--json']), { action: 'revoke', account: 'alice', json: true });
    const bad: string[][] = [
      [],
      ['frob'],
      ['add'],
      ['add', '--username'],
      ['add', '--username', 'a', '--password', 'secret'],
      ['add', '--username', 'a', '--username', 'b'],
      ['add', 'alice'],
      ['list', '--limit', '0'],
      ['list', '--limit', '501'],
      ['list', '--limit', 'ten'],
      ['list', '--status', 'banned'],
      ['list', 'extra'],
      ['show'],
      ['show', 'a', 'b'],
      ['disable', '--force', 'a'],
      ['set-password', 'a', 'secret'],
      ['delete'],
    ];
    for (const args of bad) assert.throws(() => parseUserArgs(args), UsageError, args.join(' '));
    for (const args of [[], ['list'], ['revoke'], ['revoke', '--account'], ['revoke', '--account', 'a', 'b'], ['revoke', 'a']]) {
      assert.throws(() => parseSessionsArgs(args), UsageError, args.join(' '));
    }
    assert.throws(() => parseFlags(['--json', '--json'], { switches: ['--json'] }), /given twice/);
  });
});

describe('latchkey user and sessions (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    database = createTestDatabase({ sqliteFile: join(dir, 'admin.db') });
    const migrated = cli(['migrate']);
    assert.equal(migrated.status, 0, migrated.stderr);
    t = await createTestInstance({ env: { DATABASE_URL: database.url, LOGIN_IP_FAILURES_PER_MINUTE: '100000' } });
  });
  after(async () => {
    await t.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints help for user and sessions, naming every action and never taking a password as an argument', () => {
    const user = cli(['user', '--help']);
    assert.equal(user.status, 0);
    for (const word of ['add', 'list', 'show', 'disable', 'enable', 'delete', 'set-password', '--password-stdin', '--json', 'Exit status']) {
      assert.ok(user.stdout.includes(word), word);
    }
    const sessions = cli(['sessions', '--help']);
    assert.equal(sessions.status, 0);
    assert.match(sessions.stdout, /sessions revoke --account USER/);
    assert.match(cli(['--help']).stdout, /user .*\n(.*\n)*\s+sessions /);
  });

  it('exits 2 with one line for bad arguments, and 1 for a bad ADMIN_API_KEY', () => {
    assertOneLine(cli(['user', 'add', '--username', 'x', '--password', PASSWORD]), 2, 'latchkey user: ', /unexpected argument "--password"/);
    assertOneLine(cli(['user']), 2, 'latchkey user: ', /say add, list/);
    assertOneLine(cli(['user', 'delete', 'nobody']), 2, 'latchkey user: ', /--yes/);
    assertOneLine(cli(['user', 'add', '--username', 'has space']), 2, 'latchkey user: ', /username must not contain spaces/);
    assertOneLine(cli(['user', 'list', '--after', '00000000-0000-4000-8000-000000000000']), 2, 'latchkey user: ', /after must be the id/);
    assertOneLine(cli(['user', 'add', '--username', 'x', '--password-stdin']), 2, 'latchkey user: ', /no password on standard input/);
    assertOneLine(cli(['sessions', 'revoke']), 2, 'latchkey sessions: ', /--account USER/);
    const config = cli(['user', 'list'], { env: { ADMIN_API_KEY: 'too-short' } });
    assertOneLine(config, 1, 'latchkey: invalid configuration: ', /ADMIN_API_KEY must be/);
    assert.ok(!config.stderr.includes('too-short'));
  });

  it('adds a user with a password from stdin, and one with a generated password printed once; both log in', async () => {
    const added = cliJson(['user', 'add', '--username', 'alice', '--email', 'alice@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.deepEqual(Object.keys(added), ['user', 'generatedPassword']);
    assert.deepEqual([added.user.username, added.user.status, added.generatedPassword], ['alice', 'active', null]);
    assert.equal(await loginStatus(t, 'alice', PASSWORD), 200);

    const text = cli(['user', 'add', '--email', 'bob@example.com']);
    assert.equal(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^added bob@example.com \(id [0-9a-f-]{36}\): active$/);
    const generated = /^password: ([A-Za-z0-9_-]{24})$/.exec(lines[1] ?? '')?.[1];
    assert.ok(generated, text.stdout);
    assert.match(text.stdout, /will not be shown again/);
    assert.equal(await loginStatus(t, 'bob@example.com', generated), 200);

    assertOneLine(cli(['user', 'add', '--username', 'ALICE', '--password-stdin'], { input: `${PASSWORD}\n` }), 1, 'latchkey user: ', /username is already another account's username or email/);
    assertOneLine(cli(['user', 'add', '--username', 'carol', '--password-stdin'], { input: 'password\n' }), 1, 'latchkey user: ', /too common/);
  });

  it('lists and shows users in text and JSON; an unknown user exits 1 with one line', async () => {
    const list = cliJson(['user', 'list']);
    assert.deepEqual(list.users.map((u: { email: string }) => u.email), ['bob@example.com', 'alice@example.com']);
    assert.equal(list.next, null);
    const page = cliJson(['user', 'list', '--limit', '1']);
    assert.equal(page.users.length, 1);
    assert.equal(page.next, page.users[0].id);
    const rest = cliJson(['user', 'list', '--after', page.next]);
    assert.deepEqual(rest.users.map((u: { username: string }) => u.username), ['alice']);
    const table = cli(['user', 'list', '--search', 'ALI']);
    assert.match(table.stdout, /^ID\s+USERNAME\s+EMAIL\s+STATUS\s+CREATED\n[0-9a-f-]{36}\s+alice\s+alice@example.com\s+active\s+\S+\n?$/);

    const before = cliJson(['user', 'show', 'alice']).user.liveSessions as number;
    await login(t.app, 'alice', PASSWORD);
    const shown = cliJson(['user', 'show', 'Alice@Example.com']);
    assert.equal(shown.user.username, 'alice');
    assert.equal(shown.user.liveSessions, before + 1);
    assert.notEqual(shown.user.lastLoginAt, null);
    const text = cli(['user', 'show', 'alice']);
    assert.match(text.stdout, new RegExp(`^live sessions:\\s+${before + 1}$`, 'm'));
    assert.ok(!text.stdout.includes('argon2') && !JSON.stringify(shown).includes('argon2'), 'never the hash');
    assertOneLine(cli(['user', 'show', 'nobody']), 1, 'latchkey user: ', /no account "nobody"/);
  });

  it('disable refuses the user\'s live token at once; enable lets them log in again', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    const live = cliJson(['user', 'show', 'alice']).user.liveSessions as number;
    assert.ok(live >= 1);
    const disabled = cliJson(['user', 'disable', 'alice']);
    assert.deepEqual([disabled.user.status, disabled.changed, disabled.sessionsEnded], ['disabled', true, live]);
    assert.equal(cliJson(['user', 'show', 'alice']).user.liveSessions, 0);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal((await call(t.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } })).status, 401);
    assert.equal(await loginStatus(t, 'alice', PASSWORD), 401);
    assert.match(cli(['user', 'disable', 'alice']).stdout, /was already disabled/);

    const enabled = cli(['user', 'enable', 'alice']);
    assert.equal(enabled.status, 0, enabled.stderr);
    assert.match(enabled.stdout, /^enabled alice \(id [0-9a-f-]{36}\): now active/);
    assert.equal(await loginStatus(t, 'alice', PASSWORD), 200);
  });

  it('set-password from stdin: the old password fails, the new one works, sessions end', async () => {
    const pair = await login(t.app, 'alice', PASSWORD);
    const r = cli(['user', 'set-password', 'alice', '--password-stdin'], { input: `${NEW_PASSWORD}\r\n` });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^password set for alice .*; [1-9]\d* session\(s\) ended; its owner is notified by email$/);
    assert.ok(!r.stdout.includes(NEW_PASSWORD));
    assert.equal(await loginStatus(t, 'alice', PASSWORD), 401);
    assert.equal(await loginStatus(t, 'alice', NEW_PASSWORD), 200);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assertOneLine(cli(['user', 'set-password', 'alice', '--password-stdin'], { input: 'alice2024\n' }), 1, 'latchkey user: ', /based on your username/);
    assert.equal(await loginStatus(t, 'alice', NEW_PASSWORD), 200, 'a refused password changes nothing');
  });

  it('sessions revoke --account ends every session and leaves the account usable', async () => {
    const pair = await login(t.app, 'bob@example.com', cliJson(['user', 'set-password', 'bob@example.com']).generatedPassword);
    const r = cli(['sessions', 'revoke', '--account', 'bob@example.com']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^ended 1 session\(s\) of bob@example.com \(id [0-9a-f-]{36}\)$/);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal(cliJson(['sessions', 'revoke', '--account', 'bob@example.com']).sessionsEnded, 0);
    assertOneLine(cli(['sessions', 'revoke', '--account', 'nobody']), 1, 'latchkey sessions: ', /no account/);
  });

  it('delete --yes removes the account; it can no longer log in and is not found', async () => {
    const deleted = cliJson(['user', 'delete', 'alice', '--yes']);
    assert.equal(deleted.deleted, true);
    assert.equal(deleted.user.username, 'alice');
    assert.equal(await loginStatus(t, 'alice', NEW_PASSWORD), 401);
    assertOneLine(cli(['user', 'show', deleted.user.id]), 1, 'latchkey user: ', /no account/);
    const notices = await t.latchkey.database.db.selectFrom('outbox').select('template').where('recipient', '=', 'alice@example.com').execute();
    assert.ok(notices.some((n) => n.template === 'account_deleted'));
    const audit = await t.latchkey.database.db.selectFrom('audit_events').select(['type', 'surface']).where('account_id', '=', deleted.user.id).execute();
    assert.ok(audit.some((e) => e.type === 'account_delete' && e.surface === 'cli'));
    assert.ok(audit.some((e) => e.type === 'account_disable' && e.surface === 'cli'));
  });
});
