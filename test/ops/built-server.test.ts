/**
 * The build `npm install` makes and `npm start` runs (scripts/build.mjs; docs/decisions.md, "The
 * build is a bundle"): built into a folder of its own inside the repository, it prints the
 * version, serves a page in German from the shipped catalogues and templates, the passkey script
 * from resources/, refuses a password of the shipped common-password list, registers and logs
 * in an account on a SQLite file, and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
mkdirSync('test-artifacts', { recursive: true });
const buildDir = mkdtempSync(join('test-artifacts', 'build-'));
const outdir = join(buildDir, 'dist');
const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-built-'));
const main = join(outdir, 'cli', 'main.js');

describe('the built server (dist/)', () => {
  before(() => {
    const built = spawnSync(process.execPath, ['scripts/build.mjs', outdir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(built.status, 0, built.stderr);
  });
  after(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the version of package.json', () => {
    const shown = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.stdout, `latchkey ${version}\n`);
  });

  it('serves pages, assets and the JSON API from the shipped files, and stops cleanly on SIGTERM', async () => {
    assert.ok(existsSync(main));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [main, 'serve'], {
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dataDir, 'built.db')}`, PORT: String(port), PUBLIC_URL: base, SMTP_URL: '', LOG_LEVEL: 'warn', HASH_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (code, signal) => resolve([code, signal])));
    try {
      await waitFor('the built server to answer', () => fetch(`${base}/healthz`).then((r) => r.ok, () => false), { timeoutMs: 60_000 });

      const login = await fetch(`${base}/login`, { headers: { 'accept-language': 'de' } });
      assert.equal(login.status, 200);
      assert.match(await login.text(), /<html lang="de"[\s\S]*<title>Anmelden/);

      const script = await fetch(`${base}/assets/passkeys.js`);
      assert.equal(script.status, 200);
      assert.equal(await script.text(), readFileSync('resources/passkeys.js', 'utf8'));

      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
      const weak = await post('/api/v1/account/register', { username: 'built', email: 'built@example.com', password: 'password1' });
      assert.equal(weak.status, 400);
      assert.match(JSON.stringify(weak.body), /weak_password/);
      const password = 'a built server keeps its promises';
      assert.equal((await post('/api/v1/account/register', { username: 'built', email: 'built@example.com', password })).status, 200);
      const loggedIn = await post('/api/v1/account/login', { username: 'built', password });
      assert.equal(loggedIn.status, 200, JSON.stringify(loggedIn.body));
    } finally {
      child.kill('SIGTERM');
    }
    assert.deepEqual(await exited, [0, null], out);
  });
});
