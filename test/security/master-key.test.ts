/**
 * The master key (MASTER_KEY / MASTER_KEY_FILE, docs/security.md "What a stolen backup
 * exposes"): with it, the signing keys and server secrets at rest are envelopes, not clear
 * values, in the rows and in the file's bytes; a wrong or missing key stops start-up with an
 * error naming MASTER_KEY; `latchkey master-key rotate` re-encrypts everything under a new key
 * and tokens, sessions and logins made before keep working. On SQLite files and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { assembleLatchkey, type Latchkey } from '../../src/cli/assemble.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { bearer, call } from '../support/http.js';
import { createTestDatabase, usingPostgres } from '../support/database.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { NO_ADDRESS_LIMITS } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latchkey-master-key-'));
const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('base64');

async function start(url: string, env: Record<string, string>): Promise<Latchkey> {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', ...NO_ADDRESS_LIMITS, ...env });
  const latchkey = await assembleLatchkey(config, { hasher: createFastHasher() });
  await latchkey.app.ready();
  return latchkey;
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every clear secret the database holds: each signing key's private `d`, and every server secret. */
async function clearSecrets(latchkey: Latchkey): Promise<string[]> {
  const keys = await latchkey.stores.keys.listSigningKeys(latchkey.stores.uow.db);
  const names = (await latchkey.database.db.selectFrom('server_secrets').select('name').execute()).map((r) => r.name);
  const values = await Promise.all(names.map((n) => latchkey.stores.keys.getOrCreateSecret(latchkey.stores.uow.db, n, () => 'unused', 0)));
  return [...keys.map((k) => String((JSON.parse(k.privateJwk) as { d: string }).d)), ...values.filter((v) => !v.startsWith('{')), ...values.filter((v) => v.startsWith('{')).map((v) => String((JSON.parse(v) as { privateJwk: string }).privateJwk))];
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('MASTER_KEY configuration', () => {
  it('refuses a malformed key, both variables at once, and an unreadable key file, without echoing the key', () => {
    for (const env of [{ MASTER_KEY: 'short-secret-value' }, { MASTER_KEY: `${K1}00` }, { MASTER_KEY: K1, MASTER_KEY_FILE: '/nonexistent' }, { MASTER_KEY_FILE: join(dir, 'missing') }]) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && /MASTER_KEY/.test(err.message) && !err.message.includes('short-secret-value') && !err.message.includes(K1));
    }
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${K2}\n`);
    assert.equal(loadConfig({ MASTER_KEY_FILE: file }).masterKey?.id, loadConfig({ MASTER_KEY: K2 }).masterKey?.id);
    assert.notEqual(loadConfig({ MASTER_KEY: K1 }).masterKey?.id, loadConfig({ MASTER_KEY: K2 }).masterKey?.id);
    assert.equal(JSON.stringify(loadConfig({ MASTER_KEY: K1 })).includes(K1), false);
  });
});

describe(`the master key at rest (${usingPostgres ? 'PostgreSQL' : 'SQLite file'})`, { timeout: 300_000 }, () => {
  const database = createTestDatabase({ sqliteFile: join(dir, 'sealed.db') });
  after(() => database.drop());

  it('stores every secret sealed, refuses a wrong or missing key, and rotates without losing a token or a session', async () => {
    let latchkey = await start(database.url, { MASTER_KEY: K1 });
    await register(latchkey.app, 'sealed-user', 'sealed-user-password');
    const pair = await login(latchkey.app, 'sealed-user', 'sealed-user-password');
    const secrets = await clearSecrets(latchkey);
    assert.ok(secrets.length >= 3, 'a signing key, the server key and the first-key record');
    const rows = [
      ...(await latchkey.database.db.selectFrom('signing_keys').select('private_jwk as v').execute()),
      ...(await latchkey.database.db.selectFrom('server_secrets').select('value as v').execute()),
    ].map((r) => r.v);
    for (const v of rows) assert.match(v, /^mk1:[0-9a-f]{16}:/);
    for (const s of secrets) assert.equal(rows.some((v) => v.includes(s)), false);
    await latchkey.close();

    if (database.dialect === 'sqlite') {
      const path = join(dir, 'sealed.db');
      const bytes = Buffer.concat([readFileSync(path), ...(existsSync(`${path}-wal`) ? [readFileSync(`${path}-wal`)] : [])]);
      for (const s of secrets) assert.equal(bytes.includes(Buffer.from(s)), false, 'a clear secret is in the database file');
    }

    // A wrong key, and no key, stop start-up with an error that names MASTER_KEY.
    await assert.rejects(start(database.url, { MASTER_KEY: K2 }), /MASTER_KEY/);
    await assert.rejects(start(database.url, {}), /MASTER_KEY/);
    const wrong = await cli(['serve'], { DATABASE_URL: database.url, MASTER_KEY: K2, PORT: '0' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^latchkey serve: .*MASTER_KEY/);

    // Rotation: K1 -> K2 in one command; then only K2 opens the database.
    const newKeyFile = join(dir, 'new.key');
    writeFileSync(newKeyFile, K2);
    const rotated = await cli(['master-key', 'rotate', '--new-key-file', newKeyFile, '--json'], { DATABASE_URL: database.url, MASTER_KEY: K1 });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.equal(JSON.parse(rotated.stdout).to, loadConfig({ MASTER_KEY: K2 }).masterKey?.id);
    await assert.rejects(start(database.url, { MASTER_KEY: K1 }), /MASTER_KEY/);
    latchkey = await start(database.url, { MASTER_KEY_FILE: newKeyFile });
    try {
      assert.equal((await call(latchkey.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
      const refreshed = await call(latchkey.app, 'POST', '/api/v1/account/refresh', { json: { refresh: pair.refresh } });
      assert.equal(refreshed.status, 200, refreshed.text);
      const again = await login(latchkey.app, 'sealed-user', 'sealed-user-password');
      assert.equal((await call(latchkey.app, 'GET', '/api/v1/account/me', { headers: bearer(again.access) })).status, 200);
      assert.deepEqual((await clearSecrets(latchkey)).sort(), [...secrets].sort());
      // The operator's rotation is in the audit log, naming both keys by id (never the key).
      const events = await latchkey.database.db.selectFrom('audit_events').select(['type', 'detail']).where('type', '=', 'master_key_rotate').execute();
      assert.equal(events.length, 1);
      const detail = JSON.parse(String(events[0]?.detail)) as Record<string, unknown>;
      assert.equal(detail.from, loadConfig({ MASTER_KEY: K1 }).masterKey?.id);
      assert.equal(detail.to, loadConfig({ MASTER_KEY: K2 }).masterKey?.id);
      assert.ok(!String(events[0]?.detail).includes(K2) && !String(events[0]?.detail).includes(K1));
    } finally {
      await latchkey.close();
    }
  });

  it('seals the secrets of a database that ran without a key when a key is first set', async () => {
    const plain = createTestDatabase({ sqliteFile: join(dir, 'plain.db') });
    try {
      let latchkey = await start(plain.url, {});
      await register(latchkey.app, 'plain-user', 'plain-user-password');
      const pair = await login(latchkey.app, 'plain-user', 'plain-user-password');
      const secrets = await clearSecrets(latchkey);
      assert.ok((await latchkey.database.db.selectFrom('server_secrets').select('value').execute()).every((r) => !r.value.startsWith('mk1:')));
      await latchkey.close();
      if (plain.dialect === 'sqlite') {
        // Without a key the file holds the private key in clear (what the check above looks for).
        const bytes = readFileSync(join(dir, 'plain.db'));
        assert.ok(secrets.every((s) => bytes.includes(Buffer.from(s))));
      }
      latchkey = await start(plain.url, { MASTER_KEY: K1 });
      try {
        const values = (await latchkey.database.db.selectFrom('server_secrets').select('value').execute()).map((r) => r.value);
        const keys = (await latchkey.database.db.selectFrom('signing_keys').select('private_jwk').execute()).map((r) => r.private_jwk);
        for (const v of [...values, ...keys]) assert.match(v, /^mk1:/);
        assert.equal((await call(latchkey.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 200);
        assert.deepEqual((await clearSecrets(latchkey)).sort(), [...secrets].sort());
      } finally {
        await latchkey.close();
      }
    } finally {
      await plain.drop();
    }
  });
});
