/**
 * How a session row maps to the core's Session and back: the columns a lookup selects (alone and
 * joined with its account), a new row's columns, and the conversions (src/store/sessions.ts).
 */
import type { Session } from '../core/sessions/ports.js';
import { toAccount } from './accounts.js';
import type { AccountRow, SessionRow } from './schema.js';
import { numberOrNull } from './rows.js';

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    accountId: row.account_id,
    kind: row.kind,
    familyId: row.family_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleExpiresAt: row.idle_expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    rotatedAt: row.rotated_at,
    replacedBy: row.replaced_by,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
    generation: Number(row.generation),
    chainHash: row.chain_hash,
    chainAt: row.chain_at,
    rotationWindowAt: numberOrNull(row.rotation_window_at),
    rotationCount: Number(row.rotation_count ?? 0),
    amr: row.amr ? row.amr.split(' ') : null,
  };
}

export const SESSION_COLUMNS = [
  's.id',
  's.secret_hash',
  's.account_id',
  's.kind',
  's.family_id',
  's.created_at',
  's.last_seen_at',
  's.idle_expires_at',
  's.absolute_expires_at',
  's.rotated_at',
  's.replaced_by',
  's.revoked_at',
  's.ip',
  's.user_agent',
  's.generation',
  's.chain_hash',
  's.chain_at',
  's.rotation_window_at',
  's.rotation_count',
  's.amr',
] as const;

export const ACCOUNT_COLUMNS = [
  'a.username',
  'a.username_key',
  'a.email',
  'a.email_key',
  'a.email_verified_at',
  'a.password_hash',
  'a.status',
  'a.promo_code',
  'a.created_at as a_created_at',
  'a.updated_at as a_updated_at',
  'a.locale',
] as const;

export type JoinedRow = SessionRow & Omit<AccountRow, 'id' | 'created_at' | 'updated_at'> & { a_created_at: number; a_updated_at: number };

export function splitJoined(row: JoinedRow): { session: Session; account: ReturnType<typeof toAccount> } {
  return {
    session: toSession(row),
    account: toAccount({
      id: row.account_id,
      username: row.username,
      username_key: row.username_key,
      email: row.email,
      email_key: row.email_key,
      email_verified_at: row.email_verified_at,
      password_hash: row.password_hash,
      status: row.status,
      promo_code: row.promo_code,
      created_at: row.a_created_at,
      updated_at: row.a_updated_at,
      locale: row.locale,
    }),
  };
}

/** The columns of a new session row, in the order both inserts name them. */
export const INSERT_COLUMNS = [
  'id',
  'secret_hash',
  'account_id',
  'kind',
  'family_id',
  'created_at',
  'last_seen_at',
  'idle_expires_at',
  'absolute_expires_at',
  'rotated_at',
  'replaced_by',
  'revoked_at',
  'ip',
  'user_agent',
  'generation',
  'chain_hash',
  'chain_at',
  'rotation_window_at',
  'rotation_count',
  'amr',
] as const;

/** A new session's row. */
export function rowOf(s: Session): SessionRow & Record<string, unknown> {
  return {
    id: s.id,
    secret_hash: s.secretHash,
    account_id: s.accountId,
    kind: s.kind,
    family_id: s.familyId,
    created_at: s.createdAt,
    last_seen_at: s.lastSeenAt,
    idle_expires_at: s.idleExpiresAt,
    absolute_expires_at: s.absoluteExpiresAt,
    rotated_at: s.rotatedAt,
    replaced_by: s.replacedBy,
    revoked_at: s.revokedAt,
    ip: s.ip,
    user_agent: s.userAgent,
    generation: s.generation,
    chain_hash: s.chainHash,
    chain_at: s.chainAt,
    rotation_window_at: s.rotationWindowAt ?? null,
    rotation_count: s.rotationCount ?? 0,
    amr: s.amr && s.amr.length > 0 ? s.amr.join(' ') : null,
  };
}
