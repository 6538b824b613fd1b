/**
 * KeyStore on Kysely: JWT signing keys and named server secrets, shared by every node. With a
 * master key (MASTER_KEY), private keys and server secrets are stored sealed (src/core/secrets/master-key.ts)
 * and opened on read; without one they are stored clear, as before.
 */
import type { Kysely } from 'kysely';
import type { KeyStore, SigningKeyRecord } from '../core/tokens/ports.js';
import { isSealed, MasterKeyError, sealedKeyId, type MasterKey } from '../core/secrets/master-key.js';
import { q } from './handle.js';
import type { Database } from './schema.js';

const signingKeyContext = (kid: string): string => `signing_keys:${kid}`;
const secretContext = (name: string): string => `server_secrets:${name}`;

/** Opens a stored value: clear values pass (a database not yet sealed), envelopes need the key. */
function openValue(masterKey: MasterKey | null, value: string, context: string): string {
  if (!isSealed(value)) return value;
  if (!masterKey) {
    throw new MasterKeyError(`the secrets in this database are encrypted with master key ${sealedKeyId(value)}: set MASTER_KEY or MASTER_KEY_FILE`);
  }
  return masterKey.open(value, context);
}

const sealValue = (masterKey: MasterKey | null, value: string, context: string): string => (masterKey ? masterKey.seal(value, context) : value);

/** The key store; `masterKey` seals what it writes and opens what it reads. */
export function createKeyStore(masterKey: MasterKey | null = null): KeyStore {
  return {
    async listSigningKeys(tx) {
      const rows = await q(tx).selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
      return rows.map(
        (r): SigningKeyRecord => ({
          kid: r.kid,
          alg: r.alg,
          privateJwk: openValue(masterKey, r.private_jwk, signingKeyContext(r.kid)),
          publicJwk: r.public_jwk,
          createdAt: r.created_at,
          retiredAt: r.retired_at,
        }),
      );
    },

    async insertSigningKey(tx, k) {
      await q(tx)
        .insertInto('signing_keys')
        .values({
          kid: k.kid,
          alg: k.alg,
          private_jwk: sealValue(masterKey, k.privateJwk, signingKeyContext(k.kid)),
          public_jwk: k.publicJwk,
          created_at: k.createdAt,
          retired_at: k.retiredAt,
        })
        .onConflict((oc) => oc.column('kid').doNothing())
        .execute();
    },

    async retireSigningKey(tx, kid, now) {
      const result = await q(tx).updateTable('signing_keys').set({ retired_at: now }).where('kid', '=', kid).where('retired_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async getOrCreateSecret(tx, name, generate, now) {
      // Insert-if-absent, then read: whichever node wins the insert, all read the same value.
      await q(tx)
        .insertInto('server_secrets')
        .values({ name, value: sealValue(masterKey, generate(), secretContext(name)), created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await q(tx).selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return openValue(masterKey, row.value, secretContext(name));
    },
  };
}

/** Reads one server secret without creating it (null when absent), opened with `masterKey`. */
export async function readServerSecret(db: Kysely<Database>, name: string, masterKey: MasterKey | null): Promise<string | null> {
  const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirst();
  return row ? openValue(masterKey, row.value, secretContext(name)) : null;
}

interface StoredSecret {
  table: 'signing_keys' | 'server_secrets';
  id: string;
  value: string;
  context: string;
}

async function storedSecrets(db: Kysely<Database>): Promise<StoredSecret[]> {
  const keys = await db.selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
  const secrets = await db.selectFrom('server_secrets').select(['name', 'value']).execute();
  return [
    ...keys.map((k): StoredSecret => ({ table: 'signing_keys', id: k.kid, value: k.private_jwk, context: signingKeyContext(k.kid) })),
    ...secrets.map((s): StoredSecret => ({ table: 'server_secrets', id: s.name, value: s.value, context: secretContext(s.name) })),
  ];
}

async function replaceSecret(db: Kysely<Database>, s: StoredSecret, value: string): Promise<void> {
  // Only if unchanged: two nodes sealing at once leave one envelope, not a sealed envelope.
  if (s.table === 'signing_keys') {
    await db.updateTable('signing_keys').set({ private_jwk: value }).where('kid', '=', s.id).where('private_jwk', '=', s.value).execute();
  } else {
    await db.updateTable('server_secrets').set({ value }).where('name', '=', s.id).where('value', '=', s.value).execute();
  }
}

export interface SecretsAtRest {
  /** Secrets this call encrypted (stored clear until now). */
  sealed: number;
  /** Secrets stored, in all. */
  total: number;
}

/**
 * Start-up check of the secrets at rest, in one transaction. Every secret must open with
 * `masterKey` (a wrong key, or none for a sealed database, throws MasterKeyError naming
 * MASTER_KEY); with a master key, secrets still stored clear are sealed now.
 */
export async function prepareSecretsAtRest(db: Kysely<Database>, masterKey: MasterKey | null): Promise<SecretsAtRest> {
  return db.transaction().execute(async (tx) => {
    const all = await storedSecrets(tx);
    let sealed = 0;
    for (const s of all) {
      openValue(masterKey, s.value, s.context);
      if (masterKey && !isSealed(s.value)) {
        await replaceSecret(tx, s, masterKey.seal(s.value, s.context));
        sealed += 1;
      }
    }
    return { sealed, total: all.length };
  });
}

/** Re-encrypts every secret from `from` (null: stored clear) to `to` (null: store clear) in one transaction. */
export async function reencryptSecrets(db: Kysely<Database>, from: MasterKey | null, to: MasterKey | null): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const all = await storedSecrets(tx);
    for (const s of all) await replaceSecret(tx, s, sealValue(to, openValue(from, s.value, s.context), s.context));
    return all.length;
  });
}
