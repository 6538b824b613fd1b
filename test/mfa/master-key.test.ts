/**
 * TOTP secrets at rest and the master key (docs/security.md, "What a stolen backup exposes"):
 * without MASTER_KEY they are sealed under the server key; `latchkey master-key seal` moves them
 * under the master key and `rotate` under the next one, and the second step keeps working after
 * each. SQLite file (the CLI works on the same file).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { assembleLatchkey, type Latchkey } from '../../src/cli/assemble.js';
import { loadConfig } from '../../src/config/index.js';
import { totpCodeAt } from '../../src/crypto/totp.js';
import { sealedKeyId } from '../../src/core/secrets/master-key.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { bearer, call } from '../support/http.js';
import { NO_ADDRESS_LIMITS } from '../support/instance.js';
import { login, register } from '../support/jwt-api.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'latchkey-mfa-master-key-'));
const K1 = randomBytes(32).toString('hex');
const K2 = randomBytes(32).toString('hex');
const PASSWORD = 'sealed totp password';
after(() => rmSync(dir, { recursive: true, force: true }));

async function start(url: string, env: Record<string, string>): Promise<Latchkey> {
  const latchkey = await assembleLatchkey(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', ...NO_ADDRESS_LIMITS, ...env }), { hasher: createFastHasher() });
  await latchkey.app.ready();
  return latchkey;
}

async function secondStep(latchkey: Latchkey, code: string): Promise<number> {
  const first = await call(latchkey.app, 'POST', '/api/v1/account/login', { json: { username: 'alice', password: PASSWORD } });
  assert.equal(first.body.error.code, 'mfa_required', first.text);
  return (await call(latchkey.app, 'POST', '/api/v1/account/login/mfa', { json: { mfaToken: first.body.error.mfaToken, code } })).status;
}

async function storedKeyId(latchkey: Latchkey): Promise<string | null> {
  return sealedKeyId((await latchkey.database.db.selectFrom('mfa_factors').select('secret').executeTakeFirstOrThrow()).secret);
}

describe('TOTP secrets under the master key', () => {
  it('seal and rotate move them, and the second step works after each', async () => {
    const url = `sqlite:${join(dir, 'totp.db')}`;
    let latchkey = await start(url, {});
    let secret: string;
    try {
      await register(latchkey.app, 'alice', PASSWORD);
      const pair = await login(latchkey.app, 'alice', PASSWORD);
      secret = (await call(latchkey.app, 'POST', '/api/v1/account/mfa/totp', { json: { password: PASSWORD }, headers: bearer(pair.access) })).body.result.secret;
      const on = await call(latchkey.app, 'POST', '/api/v1/account/mfa/totp/confirm', { json: { code: totpCodeAt(secret, Date.now() - 30_000) }, headers: bearer(pair.access) });
      assert.equal(on.status, 200, on.text);
      assert.notEqual(await storedKeyId(latchkey), null, 'sealed even without a master key');
    } finally {
      await latchkey.close();
    }
    const env = { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: url };
    await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'master-key', 'seal'], { env: { ...env, MASTER_KEY: K1 }, timeout: 60_000 });
    latchkey = await start(url, { MASTER_KEY: K1 });
    try {
      assert.equal(await storedKeyId(latchkey), loadConfig({ MASTER_KEY: K1 }).masterKey?.id);
      assert.equal(await secondStep(latchkey, totpCodeAt(secret, Date.now())), 200);
    } finally {
      await latchkey.close();
    }
    const keyFile = join(dir, 'k2');
    writeFileSync(keyFile, K2);
    await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'master-key', 'rotate', '--new-key-file', keyFile], { env: { ...env, MASTER_KEY: K1 }, timeout: 60_000 });
    latchkey = await start(url, { MASTER_KEY: K2 });
    try {
      assert.equal(await storedKeyId(latchkey), loadConfig({ MASTER_KEY: K2 }).masterKey?.id);
      assert.equal(await secondStep(latchkey, totpCodeAt(secret, Date.now() + 30_000)), 200, 'a later step than the last one accepted');
    } finally {
      await latchkey.close();
    }
  });
});
