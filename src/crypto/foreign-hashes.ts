/**
 * Password hashes made by other systems, as `latchkey import` accepts them (README, "Moving users
 * in and out"): bcrypt, argon2i / older argon2id, scrypt, Django's PBKDF2-SHA256 and Keycloak's
 * PBKDF2 credentials. Each is stored as imported, verified here at the user's next login, and
 * replaced by Latchkey's argon2id then (`needsRehash` is true for every foreign hash).
 *
 * Verification uses bcryptjs for bcrypt, @node-rs/argon2 for argon2, and node:crypto's scrypt and
 * pbkdf2 with timingSafeEqual for the rest. Cost parameters are bounded at import, so an imported
 * hash cannot make one login take minutes or gigabytes.
 */
import { pbkdf2, scrypt } from 'node:crypto';
import { sameBytes } from '../core/credentials/secrets.js';
import { promisify } from 'node:util';
import { verify as argon2Verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/credentials/ports.js';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** The formats a foreign hash may have; `pbkdf2` is the stored form of a Keycloak credential. */
export type ForeignScheme = 'bcrypt' | 'argon2' | 'scrypt' | 'django-pbkdf2' | 'pbkdf2';

const MAX_PBKDF2_ITERATIONS = 5_000_000;
const MAX_ARGON2_MEMORY_KIB = 1 << 20; // 1 GiB
const MAX_SCRYPT_MEMORY = 256 * 1024 * 1024;

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i)\$(?:v=(16|19)\$)?m=(\d{1,8}),t=(\d{1,4}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;
const NATIVE_ARGON2ID = /^\$argon2id\$v=19\$/;
const SCRYPT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/;
const DJANGO = /^pbkdf2_sha256\$(\d{1,8})\$([^$]{1,256})\$([A-Za-z0-9+/]+={0,2})$/;
const PBKDF2 = /^\$pbkdf2-(sha256|sha512)\$i=(\d{1,8})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** Standard or passlib-style (`.` for `+`) base64, padding optional. */
function b64(value: string): Buffer {
  return Buffer.from(value.replace(/\./g, '+'), 'base64');
}

interface Parsed {
  scheme: ForeignScheme;
  run(password: string): Promise<boolean>;
}


/**
 * The foreign hash's scheme and verifier, or a reason it is refused (a string). Latchkey's own
 * argon2id (`$argon2id$v=19$`) is not foreign: the current hasher verifies it.
 */
function parse(stored: string): Parsed | string {
  let m: RegExpExecArray | null;
  if ((m = BCRYPT.exec(stored))) {
    const cost = Number(m[1]);
    if (cost < 4 || cost > 15) return 'bcrypt cost must be 04 to 15';
    // bcryptjs is loaded by the first imported bcrypt hash checked, not at start-up (memory).
    return { scheme: 'bcrypt', run: async (pw) => (await import('bcryptjs')).compare(pw, stored) };
  }
  if (stored.startsWith('$2')) return 'malformed bcrypt hash (expected $2a$/$2b$/$2y$, a two-digit cost and 53 characters)';
  if ((m = ARGON2.exec(stored))) {
    const problem = checkArgon2Cost(stored);
    if (problem !== null) return problem;
    return { scheme: 'argon2', run: (pw) => argon2Verify(stored, pw).catch(() => false) };
  }
  if (stored.startsWith('$argon2')) return 'malformed argon2 hash (expected $argon2id$ or $argon2i$ PHC string)';
  if ((m = SCRYPT.exec(stored))) {
    const ln = Number(m[1]);
    const r = Number(m[2]);
    const p = Number(m[3]);
    const salt = b64(m[4] as string);
    const hash = b64(m[5] as string);
    if (ln < 1 || ln > 20 || r < 1 || p < 1 || p > 16) return 'scrypt parameters out of range (ln 1-20, p 1-16)';
    const maxmem = 128 * r * (2 ** ln) + 1024 * 1024;
    if (maxmem > MAX_SCRYPT_MEMORY) return 'scrypt memory above 256 MiB';
    if (hash.length < 16 || salt.length === 0) return 'scrypt salt or hash too short';
    return {
      scheme: 'scrypt',
      run: async (pw) => sameBytes(await scryptAsync(pw, salt, hash.length, { N: 2 ** ln, r, p, maxmem }), hash),
    };
  }
  if (stored.startsWith('$scrypt$')) return 'malformed scrypt hash (expected $scrypt$ln=N,r=R,p=P$salt$hash)';
  if ((m = DJANGO.exec(stored))) {
    const iterations = Number(m[1]);
    const salt = Buffer.from(m[2] as string, 'utf8');
    const hash = Buffer.from(m[3] as string, 'base64');
    if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return 'PBKDF2 iterations out of range (1 to 5,000,000)';
    if (hash.length !== 32) return 'Django pbkdf2_sha256 hash must be 32 bytes';
    return { scheme: 'django-pbkdf2', run: async (pw) => sameBytes(await pbkdf2Async(pw, salt, iterations, 32, 'sha256'), hash) };
  }
  if (stored.startsWith('pbkdf2_')) return 'malformed Django hash (only pbkdf2_sha256$iterations$salt$hash is accepted)';
  if ((m = PBKDF2.exec(stored))) {
    const digest = m[1] as 'sha256' | 'sha512';
    const iterations = Number(m[2]);
    const salt = Buffer.from(m[3] as string, 'base64');
    const hash = Buffer.from(m[4] as string, 'base64');
    if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) return 'PBKDF2 iterations out of range (1 to 5,000,000)';
    if (hash.length < 16 || hash.length > 128 || salt.length === 0) return 'PBKDF2 salt or hash length out of range';
    return { scheme: 'pbkdf2', run: async (pw) => sameBytes(await pbkdf2Async(pw, salt, iterations, hash.length, digest), hash) };
  }
  if (stored.startsWith('$pbkdf2')) return 'malformed PBKDF2 hash (expected $pbkdf2-sha256$i=N$salt$hash)';
  return 'unknown password hash format';
}

/**
 * Null when `stored` can be imported (a foreign format above, or Latchkey's own argon2id);
 * otherwise why not, for the import report.
 */
export function checkImportableHash(stored: string): string | null {
  if (stored.length > 1024) return 'password hash longer than 1024 characters';
  if (NATIVE_ARGON2ID.test(stored)) return ARGON2.test(stored) ? checkArgon2Cost(stored) : 'malformed argon2id hash';
  const parsed = parse(stored);
  return typeof parsed === 'string' ? parsed : null;
}

/** Null when an argon2 PHC string's cost is within bounds (memory up to 1 GiB, t up to 100). */
function checkArgon2Cost(stored: string): string | null {
  const m = ARGON2.exec(stored);
  if (!m) return 'malformed argon2 hash';
  if (Number(m[3]) > MAX_ARGON2_MEMORY_KIB) return 'argon2 memory above 1 GiB';
  return Number(m[4]) > 100 || Number(m[4]) < 1 ? 'argon2 time cost must be 1 to 100' : null;
}

/** The scheme of a foreign hash, or null (Latchkey's own argon2id, or not a hash it knows). */
export function foreignScheme(stored: string): ForeignScheme | null {
  if (NATIVE_ARGON2ID.test(stored)) return null;
  const parsed = parse(stored);
  return typeof parsed === 'string' ? null : parsed.scheme;
}

/** True when `password` matches the foreign hash `stored`; false for a mismatch or an unknown form. */
export async function verifyForeignHash(stored: string, password: string): Promise<boolean> {
  const parsed = parse(stored);
  if (typeof parsed === 'string') return false;
  try {
    return await parsed.run(password);
  } catch {
    return false;
  }
}

/**
 * Wraps Latchkey's hasher so that imported foreign hashes verify too and are always flagged for
 * rehashing (to the wrapped hasher's argon2id) after a successful login. New hashes come from
 * the wrapped hasher only.
 */
export function withForeignHashes<T extends PasswordHasher>(inner: T): T {
  return {
    ...inner,
    hash: (password: string) => inner.hash(password),
    verify: (stored: string, password: string, gone?: () => boolean) =>
      foreignScheme(stored) === null ? inner.verify(stored, password, gone) : verifyForeignHash(stored, password),
    needsRehash: (stored: string) => foreignScheme(stored) !== null || inner.needsRehash(stored),
    importable: (stored: string) => checkImportableHash(stored),
  };
}
