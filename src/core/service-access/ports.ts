/** Service access: back-end services' credentials and their store. */
import type { Tx } from '../ports.js';

/** A back-end service's credential; only the SHA-256 of its secret is stored. */
export interface ServiceKey {
  id: string;
  name: string;
  keyHash: string;
  /** Introspection requests allowed per minute. */
  rateLimit: number;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface ServiceKeyStore {
  /** Stores a new key; throws UniqueViolation('other') when a live key has this name. */
  insert(tx: Tx, key: ServiceKey): Promise<void>;
  /** The key with this id (revoked or not), or null. */
  findById(tx: Tx, id: string): Promise<ServiceKey | null>;
  /** The key with this name that is not revoked, or null. */
  findLiveByName(tx: Tx, name: string): Promise<ServiceKey | null>;
  /** Every key, revoked ones too, newest first. */
  list(tx: Tx): Promise<ServiceKey[]>;
  /** Revokes the key if it is live; false when it was already revoked or does not exist. */
  revoke(tx: Tx, id: string, now: number): Promise<boolean>;
  /** Records that the key was used at `now`. */
  markUsed(tx: Tx, id: string, now: number): Promise<void>;
}
