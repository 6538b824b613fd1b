/**
 * Everyday use of the `latchkey` command, run as a user would (real processes, temporary SQLite
 * files): --version, JSON that looks the same everywhere (errors too), no database created by
 * a command that only reads one, variables that look like settings, the start-up summary, and
 * a dev-outbox message shown with its links.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFakeClock } from '../support/clock.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';
import { createCluster, enqueue, outboxRows } from '../mail/nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-everyday-'));
const dbFile = join(dir, 'everyday.db');
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, SMTP_URL: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('latchkey, every day', () => {
  before(() => assert.equal(cli(['migrate']).status, 0));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--version prints the version of package.json, as text or JSON', () => {
    const text = cli(['--version']);
    assert.equal(text.status, 0);
    assert.equal(text.stdout, `latchkey ${version}\n`);
    assert.deepEqual(JSON.parse(cli(['--version', '--json']).stdout), { version });
  });

  it('prints JSON indented the same way everywhere, and errors under --json as a JSON object', () => {
    const rotated = cli(['keys', 'rotate', '--json']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const listed = cli(['keys', 'list', '--json']);
    const added = cli(['promo', 'add', 'WINTER', '--json']);
    for (const r of [rotated, listed, added]) {
      assert.equal(r.stdout, `${JSON.stringify(JSON.parse(r.stdout), null, 2)}\n`, r.stdout);
      assert.ok(r.stdout.split('\n').length > 2, 'pretty, not one line');
    }
    const usage = cli(['keys', 'frobnicate', '--json']);
    assert.equal(usage.status, 2);
    assert.deepEqual(JSON.parse(usage.stderr), { error: 'usage', message: 'unknown action "frobnicate" (list, rotate or retire)' });
    const config = cli(['keys', 'list', '--json'], { ACCESS_TOKEN_TTL: 'forever' });
    assert.equal(config.status, 1);
    assert.equal(JSON.parse(config.stderr).error, 'invalid_configuration');
    const plain = cli(['keys', 'frobnicate']);
    assert.equal(plain.stderr, 'latchkey keys: unknown action "frobnicate" (list, rotate or retire)\n');
  });

  it('a command that reads the database refuses a missing one instead of creating it; migrate creates it', () => {
    const missing = join(dir, 'missing.db');
    for (const args of [['outbox'], ['keys', 'list'], ['promo', 'list'], ['user', 'list'], ['audit'], ['service', 'list']]) {
      const r = cli(args, { DATABASE_URL: `sqlite:${missing}` });
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `latchkey ${args[0]}: no database at ${missing} (DATABASE_URL); create it with latchkey migrate\n`);
      assert.ok(!existsSync(missing), `${args.join(' ')} created the file`);
    }
    assert.equal(cli(['migrate'], { DATABASE_URL: `sqlite:${missing}` }).status, 0);
    assert.ok(existsSync(missing));
  });

  it('a SQLite file in a folder that does not exist is a configuration error, and nothing is created', () => {
    const r = cli(['migrate'], { DATABASE_URL: `sqlite:${join(dir, 'nowhere', 'x.db')}` });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^latchkey: invalid configuration: DATABASE_URL names a SQLite file in the folder .*nowhere, which does not exist/);
    assert.ok(!existsSync(join(dir, 'nowhere')));
  });

  it('warns on stderr about a misspelled variable, and still runs', () => {
    const r = cli(['promo', 'list'], { PASWORD_MIN_LENGTH: '12' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, 'latchkey: warning: PASWORD_MIN_LENGTH is not a Latchkey setting and is ignored; did you mean PASSWORD_MIN_LENGTH?\n');
  });

  it('outbox --show prints a dev-outbox message with its link; refused while SMTP_URL is set', async () => {
    // The CLI reads this SQLite file, whatever the suite's database (as in test/mail/outbox-cli.test.ts).
    const suiteDatabase = process.env.TEST_DATABASE_URL;
    delete process.env.TEST_DATABASE_URL;
    const node = await createCluster(createFakeClock(), { sqliteFile: dbFile })
      .startNode()
      .finally(() => {
        if (suiteDatabase !== undefined) process.env.TEST_DATABASE_URL = suiteDatabase;
      });
    let id: string;
    try {
      await enqueue(node, { template: 'confirm_account', to: 'newcomer@example.com', data: { token: 'show-me-token' } });
      await node.mail.flush();
      id = (await outboxRows(node)).find((r) => r.recipient === 'newcomer@example.com')!.id;
    } finally {
      await node.close();
    }
    const shownText = cli(['outbox', '--show', id]);
    assert.equal(shownText.status, 0, shownText.stderr);
    assert.match(shownText.stdout, /^to: {7}newcomer@example\.com$/m);
    assert.match(shownText.stdout, /^ {2}http:\/\/localhost:\d+\/confirm\?token=show-me-token$/m);
    const shownJson = JSON.parse(cli(['outbox', '--show', id, '--json']).stdout) as { links: string[]; recipient: string };
    assert.equal(shownJson.recipient, 'newcomer@example.com');
    assert.match(shownJson.links[0] ?? '', /\/confirm\?token=show-me-token$/);
    const refused = cli(['outbox', '--show', id], { SMTP_URL: 'smtp://127.0.0.1:9' });
    assert.equal(refused.status, 2);
    assert.ok(!refused.stdout.includes('show-me-token'));
    assert.equal(cli(['outbox', '--show', '00000000-0000-0000-0000-000000000000']).status, 1);
  });

  it('serve stops cleanly (exit 0) on a SIGTERM sent the instant it says it is ready', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/support/sigterm-at-ready.ts', 'src/cli/main.ts', 'serve'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, PORT: String(await freePort()), LOG_FORMAT: 'pretty', SMTP_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    assert.ok(out.includes('is ready'), out);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, out);
  });

  for (const format of ['pretty', 'json'] as const) {
    it(`serve says where everything is once it listens (LOG_FORMAT=${format}), never a password`, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
        env: { ...process.env, DATABASE_URL: `sqlite:${dbFile}`, PORT: String(port), LOG_FORMAT: format, SMTP_URL: 'smtp://mailer:hunter2secret@127.0.0.1:9', ADMIN_API_KEY: 'an-admin-key-of-at-least-32-characters-0123' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitFor('the start-up summary', () => out.includes(format === 'pretty' ? 'is ready' : '"event":"startup"'), { timeoutMs: 60_000 });
        assert.ok(!out.includes('hunter2secret'), 'the SMTP password was printed');
        if (format === 'pretty') {
          assert.match(out, new RegExp(`Listening: +http://127\\.0\\.0\\.1:${port}`));
          assert.match(out, new RegExp(`Database: +SQLite ${dbFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
          assert.match(out, /Mail: +SMTP 127\.0\.0\.1:9/);
          assert.match(out, /Admin API: +on/);
          assert.match(out, /Metrics: +off/);
          assert.ok(!out.split('\n').some((line) => line.startsWith('{')), 'a JSON line on a pretty log');
        } else {
          const startup = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.event === 'startup');
          assert.equal(startup?.Database, `SQLite ${dbFile}`);
          assert.equal(startup?.Mail, 'SMTP 127.0.0.1:9, from Latchkey <no-reply@localhost>');
        }
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0);
    });
  }
});
