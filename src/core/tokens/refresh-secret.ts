/**
 * Refresh secrets that carry their generation (docs/decisions.md, "Refresh tokens carry their
 * generation"). The token keeps its 64-character form, the session id's 16 bytes then a 32-byte
 * secret, so a node of the earlier release still reads it; the secret is now
 *
 *   generation (4 bytes, big-endian) | nonce (16 bytes) | tag (12 bytes)
 *   tag = HMAC(server key, "refresh-generation:" session id ":" generation ":" nonce), truncated
 *
 * A secret whose tag verifies was issued by Latchkey for that session and generation: nobody
 * without the server key can make one. So a stale token is recognised with one HMAC, whatever
 * the chain's length, and a made-up one is refused with the same work. The nonce of a login is
 * random; the nonce of generation g+1 is the first 16 bytes of HMAC(server key,
 * "refresh-successor:" secret of g), so every concurrent caller inside the grace window derives
 * the same successor and nothing but hashes is stored. Secrets of the earlier release (32 random
 * or successor bytes, no tag) are still recognised as the current secret, the login's first
 * secret (`secret_hash`) or the immediately previous one.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import { hashSecret } from '../credentials/secrets.js';
import type { Session } from '../sessions/ports.js';

const GENERATION_BYTES = 4;
const NONCE_BYTES = 16;
const TAG_BYTES = 12;
const MAX_GENERATION = 0xffff_ffff;

/** Every keyed derivation of the refresh path goes through here, so its cost can be counted. */
function mac(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, text: string): Buffer {
  deps.onRefreshMac?.();
  return createHmac('sha256', deps.serverKey).update(text, 'utf8').digest();
}

function tagOf(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, generation: number, nonce: Buffer): Buffer {
  return mac(deps, `refresh-generation:${sessionId}:${generation}:${nonce.toString('base64url')}`).subarray(0, TAG_BYTES);
}

function build(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, generation: number, nonce: Buffer): string {
  const head = Buffer.alloc(GENERATION_BYTES);
  head.writeUInt32BE(generation);
  return Buffer.concat([head, nonce, tagOf(deps, sessionId, generation, nonce)]).toString('base64url');
}

/** The first secret of a new chain (generation 0, random nonce). */
export function firstRefreshSecret(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string): string {
  return build(deps, sessionId, 0, randomBytes(NONCE_BYTES));
}

/**
 * HMAC(server key, "refresh-successor:" previous): the earlier release's successor secret
 * whole, and the first 16 bytes of it the nonce of this release's successor.
 */
function successorDigest(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, previous: string): Buffer {
  return mac(deps, `refresh-successor:${previous}`);
}

/** The secret of generation `generation` that succeeds `previous` (of either form). */
export function nextRefreshSecret(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, generation: number, previous: string, digest = successorDigest(deps, previous)): string {
  if (generation > MAX_GENERATION) throw new Error('refresh generation out of range');
  return build(deps, sessionId, generation, digest.subarray(0, NONCE_BYTES));
}

/** The generation a secret was issued for, when its tag proves Latchkey issued it for this session; else null. */
export function issuedGeneration(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, secret: string): number | null {
  const raw = Buffer.from(secret, 'base64url');
  if (raw.length !== GENERATION_BYTES + NONCE_BYTES + TAG_BYTES) return null;
  const generation = raw.readUInt32BE(0);
  const nonce = raw.subarray(GENERATION_BYTES, GENERATION_BYTES + NONCE_BYTES);
  const expected = tagOf(deps, sessionId, generation, nonce);
  return expected.equals(raw.subarray(GENERATION_BYTES + NONCE_BYTES)) ? generation : null;
}

/**
 * What was derived from a presented secret before its row was read (the refresh's fast path):
 * the generation its tag proves (null: no valid tag), and when it has one, its successor (the
 * digest, and the secret of the next generation). placeInChain and the locked rotation reuse
 * them, so a token the fast path did not rotate costs no more derivations than before.
 */
export interface PresentedSecret {
  issued: number | null;
  successor: { digest: Buffer; generation: number; secret: string } | null;
}

/** Checks the tag of `secret` for `sessionId` and, when it verifies, derives its successor. */
export function examineSecret(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, secret: string): PresentedSecret {
  const issued = issuedGeneration(deps, sessionId, secret);
  if (issued === null || issued >= MAX_GENERATION) return { issued, successor: null };
  const digest = successorDigest(deps, secret);
  return { issued, successor: { digest, generation: issued + 1, secret: nextRefreshSecret(deps, sessionId, issued + 1, secret, digest) } };
}

/** The secret of `generation` that succeeds `previous`: the one `known` derived when it is that one. */
export function successorOf(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, sessionId: string, generation: number, previous: string, known?: PresentedSecret | null): string {
  const derived = known?.successor;
  return derived?.generation === generation ? derived.secret : nextRefreshSecret(deps, sessionId, generation, previous, derived?.digest);
}

/** Where a presented secret stands in its chain. */
export interface ChainPlace {
  /** Rotations since it was issued: 0 for the current secret. */
  behind: number;
  /** The current secret, when `behind` is 1 and it was derived from the presented one (the grace re-issue). */
  current: string | null;
}

/**
 * Places `secret` in the chain of `session` with a bounded amount of work (at most three HMACs
 * and three SHA-256, whatever the chain's length), or null when nothing proves it was issued
 * for this session (a made-up secret, or a pre-upgrade secret two or more rotations old).
 */
export function placeInChain(deps: Pick<CoreDeps, 'serverKey' | 'onRefreshMac'>, session: Session, secret: string, known?: PresentedSecret | null): ChainPlace | null {
  const currentHash = session.chainHash ?? session.secretHash;
  const hash = hashSecret(secret);
  if (hash === currentHash) return { behind: 0, current: secret };
  const claimed = known ? known.issued : issuedGeneration(deps, session.id, secret);
  let behind: number | null = null;
  if (claimed !== null) {
    if (claimed >= session.generation) return null;
    behind = session.generation - claimed;
  } else if (hash === session.secretHash) {
    behind = session.generation; // the login's first secret, of the earlier form
  }
  if (behind !== null && behind !== 1) return { behind, current: null };
  // One rotation behind (or an earlier-form secret not yet placed): its successor, as this
  // release or the earlier one derived it, must be the current secret.
  const derived = known?.successor;
  const digest = derived?.digest ?? successorDigest(deps, secret);
  const legacy = digest.toString('base64url'); // successorSecret() of the earlier release
  if (hashSecret(legacy) === currentHash) return { behind: 1, current: legacy };
  const next = derived?.generation === session.generation ? derived.secret : nextRefreshSecret(deps, session.id, session.generation, secret, digest);
  if (hashSecret(next) === currentHash) return { behind: 1, current: next };
  return behind === null ? null : { behind, current: null };
}
