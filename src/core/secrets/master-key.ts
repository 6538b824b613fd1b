/**
 * The master key (MASTER_KEY or MASTER_KEY_FILE): 32 bytes kept outside the database. When set,
 * every secret at rest in the database is stored as an envelope
 *
 *   mk1:<key id>:<iv>:<ciphertext>:<tag>      (base64url parts, AES-256-GCM)
 *
 * The key id is derived from the key (HMAC-SHA256 of a fixed label, 16 hex digits), so a value
 * sealed under another key is recognised before decrypting and named in a clear error. Each
 * envelope is bound to where it is stored (`context`, e.g. `signing_keys:<kid>`, as GCM's
 * additional data), so a value moved to another row does not open. Any secret a feature adds
 * later (TOTP seeds, OIDC client secrets) seals through the same two functions. See
 * docs/security.md ("What a stolen backup exposes").
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'mk1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/** A secret could not be opened: the wrong master key, none, or a damaged envelope. */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

export interface MasterKey {
  /** 16 hex digits derived from the key; stored in every envelope, reveals nothing of the key. */
  readonly id: string;
  /** Encrypts `plain`, bound to `context`; returns the `mk1:` envelope. */
  seal(plain: string, context: string): string;
  /** Decrypts an envelope sealed under this key with the same `context`; throws MasterKeyError otherwise. */
  open(envelope: string, context: string): string;
}

/** True when `value` is a master-key envelope (and not a clear secret). */
export function isSealed(value: string): boolean {
  return value.startsWith(`${PREFIX}:`);
}

/** The key id an envelope names, or null when `value` is not an envelope. */
export function sealedKeyId(value: string): string | null {
  return isSealed(value) ? (value.split(':')[1] ?? null) : null;
}

/**
 * Parses the text form of a master key: 64 hex digits, or base64 / base64url of 32 bytes.
 * Returns null when `text` is neither (the caller names the variable in its error).
 */
export function parseMasterKeyText(text: string): Buffer | null {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)) {
    const bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return null;
}

/** The master key object for 32 key bytes. The bytes stay in this closure (a logged Config shows no key). */
export function createMasterKey(keyBytes: Uint8Array): MasterKey {
  if (keyBytes.length !== KEY_BYTES) throw new Error('a master key is 32 bytes');
  const key = Buffer.from(keyBytes);
  const id = createHmac('sha256', key).update('latchkey master key id', 'utf8').digest('hex').slice(0, 16);
  return {
    id,
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [PREFIX, id, iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
    },
    open(envelope, context) {
      const parts = envelope.split(':');
      if (parts.length !== 5 || parts[0] !== PREFIX) throw new MasterKeyError(`the secret ${context} is not a master-key envelope`);
      if (parts[1] !== id) {
        throw new MasterKeyError(`the secret ${context} was encrypted with master key ${parts[1]}, but MASTER_KEY is key ${id}: set the key this database was sealed with`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parts[2] as string, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(parts[4] as string, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(parts[3] as string, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new MasterKeyError(`the secret ${context} does not decrypt with MASTER_KEY (damaged, or moved from another row)`);
      }
    },
  };
}

/** Generates a new master key in its hex text form (for `latchkey master-key new`). */
export function newMasterKeyText(): string {
  return randomBytes(KEY_BYTES).toString('hex');
}
