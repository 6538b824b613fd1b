/**
 * Pins the admin API key check (src/http/admin/index.ts) as a comparison of the whole key: a key
 * that shares any prefix with ADMIN_API_KEY but differs later, or is the key with a character
 * more or less, is refused exactly like an unrelated one. scripts/mutation-check.mjs makes the
 * check compare only a prefix and expects this file to fail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const KEY = 'pinned-Admin_key.for~the/full+comparison-0123456789';

/** `KEY` with the character at `i` replaced by another allowed one. */
const changedAt = (i: number): string => `${KEY.slice(0, i)}${KEY[i] === 'Z' ? 'Y' : 'Z'}${KEY.slice(i + 1)}`;

describe('the admin API key is compared whole', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { ADMIN_API_KEY: KEY } }); // no password is hashed here
  });
  after(() => t.close());

  const status = async (key: string): Promise<number> => (await call(t.app, 'GET', '/api/v1/admin/users', { headers: bearer(key) })).status;

  it('a key that shares the first 8, 16, 32 or all but the last character with the admin key is refused', async () => {
    for (const i of [0, 8, 16, 32, KEY.length - 1]) {
      const near = changedAt(i);
      assert.equal(near.length, KEY.length);
      assert.equal(await status(near), 401, `differs only at position ${i}`);
    }
    assert.equal(await status(KEY), 200, 'control: the exact key is accepted');
  });

  it('the admin key with a character more, or its own prefix of 16, 32 or all but one character, is refused', async () => {
    for (const candidate of [`${KEY}x`, `${KEY}${KEY}`, KEY.slice(0, 16), KEY.slice(0, 32), KEY.slice(0, -1)]) {
      assert.equal(await status(candidate), 401, `length ${candidate.length} of ${KEY.length}`);
    }
    assert.equal(await status(KEY), 200, 'control: the exact key is accepted');
  });

  it('every refusal is the same 401, whatever the candidate shares with the key', async () => {
    const answers = new Set<string>();
    for (const candidate of ['unrelated-key-unrelated-key-unrelated-key', changedAt(KEY.length - 1), KEY.slice(0, -1), `${KEY}x`]) {
      const res = await call(t.app, 'GET', '/api/v1/admin/users', { headers: bearer(candidate) });
      answers.add(`${res.status} ${res.headers['www-authenticate']} ${res.text}`);
    }
    assert.equal(answers.size, 1, [...answers].join('\n'));
    assert.match([...answers][0]!, /^401 /);
  });
});
