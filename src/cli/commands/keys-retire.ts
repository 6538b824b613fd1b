/**
 * `latchkey keys retire KID [--force] [--json]`: removes a signing key from the JWKS and from
 * verification on every node (within a minute: they re-read the key set), so a leaked key stops
 * verifying. Refused for the current signing key of its algorithm (rotate first), and, unless `--force`, while a
 * token it signed could still be valid: until its successor has existed for two key-set reloads
 * (the latest a node may still sign with it) plus ACCESS_TOKEN_TTL. Audited as
 * `signing_key_retire`, in the transaction that retires the key.
 */
import type { UnitOfWork } from '../../core/ports.js';
import type { AuditLog } from '../../core/audit/ports.js';
import type { KeyStore, SigningKeyRecord } from '../../core/tokens/ports.js';
import { KEY_RELOAD_MS } from '../../crypto/jwt-signer.js';
import { CLI_CONTEXT } from '../command.js';

/** The earliest time `key` can be retired without cutting a token short: see the module comment. */
export function retirableAt(keys: SigningKeyRecord[], key: SigningKeyRecord, accessTokenTtl: number): number | null {
  const successors = keys.filter((k) => k.kid !== key.kid && k.alg === key.alg && k.createdAt >= key.createdAt);
  if (successors.length === 0) return null;
  const supersededAt = Math.min(...successors.map((k) => k.createdAt));
  return supersededAt + 2 * KEY_RELOAD_MS + accessTokenTtl * 1000;
}

/** Why `kid` may not be retired now, or null when it may. `keys` are newest first, as the store lists them. */
export function retirementRefusal(keys: SigningKeyRecord[], kid: string, now: number, accessTokenTtl: number, force: boolean): string | null {
  const key = keys.find((k) => k.kid === kid);
  if (!key) return `no signing key ${kid}`;
  if (key.retiredAt !== null) return `signing key ${kid} is already retired`;
  // The current key of its own algorithm: the JWT API's Ed25519 key and the OIDC RS256 key rotate apart.
  const live = keys.filter((k) => k.retiredAt === null && k.alg === key.alg);
  if (live[0]?.kid === kid) {
    return live.length === 1 ? `${kid} is the only signing key; rotate first` : `${kid} is the current signing key; rotate first`;
  }
  const at = retirableAt(keys, key, accessTokenTtl);
  if (!force && at !== null && now < at) {
    return `tokens signed by ${kid} may be valid until ${new Date(at).toISOString()}; retire it then, or use --force to cut them short`;
  }
  return null;
}

export interface RetireDeps {
  uow: UnitOfWork;
  keys: KeyStore;
  audit: AuditLog;
  now: number;
  accessTokenTtl: number;
}

/** Retires `kid` and records it, or throws an Error with the refusal. */
export async function retireSigningKey(deps: RetireDeps, kid: string, force: boolean): Promise<void> {
  await deps.uow.transaction(async (tx) => {
    const keys = await deps.keys.listSigningKeys(tx);
    const refusal = retirementRefusal(keys, kid, deps.now, deps.accessTokenTtl, force);
    if (refusal !== null) throw new Error(refusal);
    if (!(await deps.keys.retireSigningKey(tx, kid, deps.now))) throw new Error(`signing key ${kid} is already retired`);
    const at = retirableAt(keys, keys.find((k) => k.kid === kid) as SigningKeyRecord, deps.accessTokenTtl);
    const forced = force && at !== null && deps.now < at;
    await deps.audit.record(tx, { type: 'signing_key_retire', outcome: 'success', ctx: CLI_CONTEXT, detail: { kid, forced } });
  });
}
