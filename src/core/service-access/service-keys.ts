/**
 * Service credentials: the keys back-end services present to the introspection endpoint
 * (docs/security.md#sec-59, ASVS 13.2.1: one credential per service, never a shared static secret and
 * never a user's credential).
 *
 * A key reads `lks_<id>_<secret>`: the id (a UUID) finds the row, the secret (256 bits from the
 * OS CSPRNG) is checked against the stored SHA-256 in constant time. The key is shown once, at
 * creation; the database holds nothing that authenticates. Keys do not expire; an operator
 * revokes them (`latchkey service revoke`), which takes effect on the next request on every node.
 *
 * Each key has its own rate limit (requests per minute, a fixed window counted in the shared
 * `login_throttle` table under `svc:<id>`), so one misbehaving service cannot exhaust the
 * database for the others, and a stolen key cannot be used to probe sessions in bulk.
 */
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { hashSecret, newId, newSecret, sameText } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import { UniqueViolation } from '../ports.js';
import type { ServiceKey, ServiceKeyStore } from './ports.js';

/** What the key-management flows need: the CLI builds only these. */
export type ServiceKeyDeps = Pick<CoreDeps, 'uow' | 'clock' | 'audit'> & { serviceKeys: ServiceKeyStore };

/** A key just created, with the only copy of its secret. */
export interface NewServiceKey {
  key: ServiceKey;
  /** The full credential, `lks_<id>_<secret>`; it is not stored and cannot be shown again. */
  credential: string;
}

export const DEFAULT_SERVICE_RATE_LIMIT = 1200;
export const MAX_SERVICE_RATE_LIMIT = 1_000_000;

const NAME_SHAPE = /^[a-z][a-z0-9._-]{0,62}$/;
const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_SHAPE = /^lks_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const WINDOW_MS = 60_000;
/** `last_used_at` is written at most this often per key, so a busy service costs no extra write per request. */
const USE_RECORD_INTERVAL_MS = 60_000;

function invalid(field: string, message: string): AuthError {
  return new AuthError('INVALID_INPUT', message, { field });
}

/** True when `value` is shaped like a key id (a UUID), as `revoke` accepts. */
export function isServiceKeyId(value: string): boolean {
  return UUID_SHAPE.test(value);
}

/**
 * Creates a key for the service `name`; INVALID_INPUT for a malformed name or limit, or a name a
 * live key has. The `service_key_add` event is written in the same transaction, whoever calls.
 */
export async function addServiceKey(
  deps: ServiceKeyDeps,
  name: string,
  options: { rateLimit?: number } = {},
  ctx?: ClientContext,
): Promise<NewServiceKey> {
  if (!NAME_SHAPE.test(name) || isServiceKeyId(name)) {
    throw invalid('name', 'a service name is 1 to 63 lower-case letters, digits, ".", "_" or "-", starting with a letter');
  }
  const rateLimit = options.rateLimit ?? DEFAULT_SERVICE_RATE_LIMIT;
  if (!Number.isSafeInteger(rateLimit) || rateLimit < 1 || rateLimit > MAX_SERVICE_RATE_LIMIT) {
    throw invalid('rateLimit', `the rate limit is a whole number of requests per minute from 1 to ${MAX_SERVICE_RATE_LIMIT}`);
  }
  const id = newId();
  const secret = newSecret();
  const key: ServiceKey = { id, name, keyHash: hashSecret(secret), rateLimit, createdAt: deps.clock.now(), lastUsedAt: null, revokedAt: null };
  try {
    await deps.uow.transaction(async (tx) => {
      await deps.serviceKeys.insert(tx, key);
      await deps.audit.record(tx, { type: 'service_key_add', outcome: 'success', ctx, detail: { service: name, serviceKeyId: id } });
    });
  } catch (err) {
    if (err instanceof UniqueViolation) throw invalid('name', `a service key named "${name}" exists; revoke it first or choose another name`);
    throw err;
  }
  return { key, credential: `lks_${id}_${secret}` };
}

/** Every key, revoked ones too, newest first. */
export async function listServiceKeys(deps: ServiceKeyDeps): Promise<ServiceKey[]> {
  return deps.serviceKeys.list(deps.uow.db);
}

/**
 * Revokes the live key with this name, or the key with this id; NOT_FOUND when there is none to
 * revoke. The `service_key_revoke` event is written in the same transaction, whoever calls.
 */
export async function revokeServiceKey(deps: ServiceKeyDeps, nameOrId: string, ctx?: ClientContext): Promise<ServiceKey> {
  const db = deps.uow.db;
  const key = isServiceKeyId(nameOrId) ? await deps.serviceKeys.findById(db, nameOrId) : await deps.serviceKeys.findLiveByName(db, nameOrId);
  const now = deps.clock.now();
  const revoked =
    key !== null &&
    key.revokedAt === null &&
    (await deps.uow.transaction(async (tx) => {
      if (!(await deps.serviceKeys.revoke(tx, key.id, now))) return false;
      await deps.audit.record(tx, { type: 'service_key_revoke', outcome: 'success', ctx, detail: { service: key.name, serviceKeyId: key.id } });
      return true;
    }));
  if (!key || !revoked) throw new AuthError('NOT_FOUND', `no live service key "${nameOrId.slice(0, 80)}"`);
  return { ...key, revokedAt: now };
}

/** The live key a presented credential names, or null for anything else (malformed, unknown, wrong secret, revoked). */
export async function findServiceKey(deps: ServiceKeyDeps, presented: string): Promise<ServiceKey | null> {
  const match = KEY_SHAPE.exec(presented);
  if (!match) return null;
  const key = await deps.serviceKeys.findById(deps.uow.db, match[1] as string);
  if (!key) return null;
  if (!sameText(key.keyHash, hashSecret(match[2] as string)) || key.revokedAt !== null) return null;
  const now = deps.clock.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt >= USE_RECORD_INTERVAL_MS) await deps.serviceKeys.markUsed(deps.uow.db, key.id, now);
  return key;
}

/** Counts one request against the key's per-minute limit; THROTTLED (with Retry-After seconds) beyond it. */
export async function countServiceRequest(deps: Pick<CoreDeps, 'uow' | 'clock' | 'throttle'>, key: ServiceKey): Promise<void> {
  const now = deps.clock.now();
  const state = await deps.throttle.recordFailure(deps.uow.db, `svc:${key.id}`, now, WINDOW_MS);
  if (state.failures > key.rateLimit) {
    const retryAfter = Math.max(1, Math.ceil((state.windowStart + WINDOW_MS - now) / 1000));
    throw new AuthError('THROTTLED', `this service key may make ${key.rateLimit} requests a minute; try again later`, { retryAfter });
  }
}
