/**
 * Bearer secrets (session cookies, refresh tokens, email links): 256 bits from the OS CSPRNG,
 * sent to the client once and stored only as SHA-256, so a database dump holds nothing that
 * logs anyone in. A lookup by hash compares in the database; nothing compares secrets in JS.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

/** A new 256-bit secret, base64url-encoded (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/**
 * The refresh secret that succeeds `secret` in its chain. Deterministic, so concurrent
 * refreshes inside the grace window all receive the same successor without it ever being
 * stored; keyed with a server secret, so holding an old token is not enough to compute it.
 */
export function successorSecret(serverKey: string, secret: string): string {
  return createHmac('sha256', serverKey).update(`refresh-successor:${secret}`, 'utf8').digest('base64url');
}

/** A new random UUID (v4), the public identifier of accounts and sessions. */
export function newId(): string {
  return randomUUID();
}
