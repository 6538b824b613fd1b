/**
 * Pins "a password is never truncated" (docs/security.md#sec-2) on the real argon2id code at every
 * layer that could cut it: the in-process hasher (src/crypto/argon2-hasher.ts, used by the
 * CLI), the pool the server runs (src/crypto/argon2-pool.ts), and a running instance on
 * its default hasher (that pool behind the bounded hasher), over the JWT API and HTTP Basic.
 * A password of N characters and the same password with one more character, or with a
 * different character at position N, must not verify against each other, for N = 72 (bcrypt's
 * limit), 128 and 1000 (near the 1023-byte bound), and for multi-byte text.
 * scripts/mutation-check.mjs truncates each layer in turn and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';
import { createArgon2Hasher } from '../../src/crypto/argon2-hasher.js';
import { createArgon2Pool, type Argon2Pool } from '../../src/crypto/argon2-pool.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

/** The parameter floor (the configuration's defaults). */
const FLOOR = { memoryKib: 19456, timeCost: 2, parallelism: 1 };
const POSITIONS = [72, 128, 1000];

/** `n` characters with no runs, repeats or words (so the password policy accepts them), the same on every run. */
function phrase(n: number, seed = 'pin'): string {
  let out = '';
  for (let i = 0; out.length < n; i++) out += createHash('sha256').update(`${seed}:${i}`).digest('base64url');
  return out.slice(0, n);
}

/** 2-byte and 4-byte characters: 40 of them are 80 or more UTF-8 bytes. */
const GREEK = 'αβγδεζηθικλμνξοπρστυφχψω';
const multiByte = (n: number): string => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? '🦊' : GREEK[(i * 5) % GREEK.length]!)).join('');

/** For each length: the stored password, its first N characters, and one that differs only at position N. */
function variants(base: string): { whole: string; prefix: string; lastChanged: string } {
  return { whole: `${base}Q`, prefix: base, lastChanged: `${base}R` };
}

async function assertNeverTruncates(hasher: PasswordHasher, layer: string): Promise<void> {
  for (const n of POSITIONS) {
    const { whole, prefix, lastChanged } = variants(phrase(n));
    const stored = await hasher.hash(whole);
    assert.equal(await hasher.verify(stored, whole), true, `${layer}: the whole ${n + 1}-character password`);
    assert.equal(await hasher.verify(stored, prefix), false, `${layer}: its first ${n} characters`);
    assert.equal(await hasher.verify(stored, lastChanged), false, `${layer}: another character at position ${n}`);
    // And the other way round: a hash of the N-character password refuses the longer one.
    const shorter = await hasher.hash(prefix);
    assert.equal(await hasher.verify(shorter, whole), false, `${layer}: one character more than the ${n} stored`);
  }
  const { whole, prefix, lastChanged } = variants(multiByte(40)); // past 72 UTF-8 bytes well before the end
  const stored = await hasher.hash(whole);
  assert.equal(await hasher.verify(stored, whole), true, `${layer}: multi-byte`);
  assert.equal(await hasher.verify(stored, prefix), false, `${layer}: multi-byte prefix`);
  assert.equal(await hasher.verify(stored, lastChanged), false, `${layer}: multi-byte, last character changed`);
}

describe('SEC-2 no truncation in the argon2id code itself', () => {
  let pool: Argon2Pool;
  before(() => {
    pool = createArgon2Pool(FLOOR, 2);
  });
  after(() => pool.close());

  it('SEC-2 the argon2id hasher tells a password from the same password one character longer at 72, 128 and 1000', async () => {
    await assertNeverTruncates(createArgon2Hasher(FLOOR), 'argon2-hasher');
  });

  it('SEC-2 the argon2id pool tells a password from the same password one character longer at 72, 128 and 1000', async () => {
    await assertNeverTruncates(pool, 'argon2-pool');
  });
});

describe('SEC-2 no truncation through the running service (default argon2id pool)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ env: { LOGIN_IP_FAILURES_PER_MINUTE: '100000', LOGIN_FREE_FAILURES: '50' } });
  });
  after(() => t.close());

  const basicAuth = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`, 'utf8').toString('base64')}` });
  const jwtLogin = async (username: string, password: string) =>
    (await call(t.app, 'POST', '/api/v1/account/login', { json: { username, password } })).status;
  const basicLogin = async (username: string, password: string) => (await call(t.app, 'GET', '/api/', { headers: basicAuth(username, password) })).status;

  it('SEC-2 JWT API: a password one character longer than 72, 128 or 1000 logs in only whole', async () => {
    for (const n of POSITIONS) {
      const { whole, prefix, lastChanged } = variants(phrase(n, `jwt${n}`));
      const reg = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: `whole${n}`, password: whole } });
      assert.equal(reg.status, 200, reg.text);
      assert.equal(await jwtLogin(`whole${n}`, whole), 200, `${n + 1} characters, whole`);
      assert.equal(await jwtLogin(`whole${n}`, prefix), 401, `its first ${n} characters`);
      assert.equal(await jwtLogin(`whole${n}`, lastChanged), 401, `another character at position ${n}`);
    }
  });

  it('SEC-2 HTTP Basic: a multi-byte password and one 1001 characters long log in only whole', async () => {
    for (const [name, base] of [['multibyte', multiByte(40)], ['long', phrase(1000, 'basic')]] as const) {
      const { whole, prefix, lastChanged } = variants(base);
      const user = `${name}@example.com`;
      const created = await call(t.app, 'POST', '/api/account', { json: { username: user, password: whole, email: user } });
      assert.equal(created.status, 201, created.text);
      assert.equal(await basicLogin(user, whole), 200, `${name}: whole`);
      assert.equal(await basicLogin(user, prefix), 401, `${name}: without its last character`);
      assert.equal(await basicLogin(user, lastChanged), 401, `${name}: last character changed`);
    }
  });
});
