/** A fast, real (salted SHA-256) hasher for unit tests; HTTP flow tests use argon2id. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PasswordHasher } from '../../src/core/credentials/ports.js';

export function createFastHasher(): PasswordHasher {
  const digest = (salt: string, password: string): string => createHash('sha256').update(`${salt}:${password}`).digest('base64url');
  return {
    async hash(password) {
      const salt = randomBytes(16).toString('base64url');
      return `$fast$${salt}$${digest(salt, password)}`;
    },
    async verify(stored, password) {
      const [, scheme, salt, hash] = stored.split('$');
      if (scheme !== 'fast' || !salt || !hash) return false;
      const expected = Buffer.from(hash);
      const actual = Buffer.from(digest(salt, password));
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
    needsRehash: () => false,
  };
}
