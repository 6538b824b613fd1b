import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRefreshToken, encodeRefreshToken, hashSecret, newSecret } from '../../src/core/credentials/secrets.js';

describe('secrets', () => {
  it('stores a secret as the base64url SHA-256 of its UTF-8 bytes', () => {
    assert.equal(hashSecret('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.equal(hashSecret('pässwörd'), 'RpcL73Cs7YEj8NXQlHF-KlzUEgQeA7JjdgSf5lsoNKQ');
  });

  it('a refresh token carries its session id and secret and reads back as them', () => {
    const sessionId = '0f1e2d3c-4b5a-4697-8877-665544332211';
    const secret = newSecret();
    const token = encodeRefreshToken(sessionId, secret);
    assert.match(token, /^[A-Za-z0-9_-]{64}$/);
    assert.deepEqual(decodeRefreshToken(token), { sessionId, secret });
  });

  it('reads a 43-character token as a bare secret of an earlier release, and nothing else', () => {
    const bare = newSecret();
    assert.deepEqual(decodeRefreshToken(bare), { sessionId: null, secret: bare });
    for (const token of ['', 'a'.repeat(42), 'a'.repeat(44), 'a'.repeat(63), 'a'.repeat(65), `${'a'.repeat(63)}.`, `${'a'.repeat(42)}+`]) {
      assert.equal(decodeRefreshToken(token), null, JSON.stringify(token));
    }
  });
});
