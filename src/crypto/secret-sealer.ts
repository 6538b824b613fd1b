/**
 * Sealing feature secrets at rest (TOTP seeds): with MASTER_KEY set, the master key seals them
 * (src/crypto/master-key.ts), so a stolen database or backup alone does not yield them. Without
 * one, they are sealed with a key derived from the server key, which is itself in the database:
 * that keeps them out of casual view (a dump, a log of a row) but a stolen database opens them;
 * docs/security.md ("What a stolen backup exposes") says so. Both use the same `mk1:` envelope,
 * each naming its key id, so values sealed before a MASTER_KEY was set still open after.
 */
import { createHmac } from 'node:crypto';
import type { SecretSealer } from '../core/mfa/ports.js';
import { createMasterKey, MasterKeyError, sealedKeyId, type MasterKey } from '../core/secrets/master-key.js';

/** The key derived from the server key for sealing when no master key is set. */
function serverDerivedKey(serverKey: string): MasterKey {
  return createMasterKey(createHmac('sha256', serverKey).update('latchkey feature secrets', 'utf8').digest());
}

/** A sealer that seals with `masterKey` when given, else with a key derived from `serverKey`, and opens either. */
export function createSecretSealer(masterKey: MasterKey | null, serverKey: string): SecretSealer {
  const fallback = serverDerivedKey(serverKey);
  const sealing = masterKey ?? fallback;
  return {
    keptOutsideDatabase: masterKey !== null,
    seal: (plain, context) => sealing.seal(plain, context),
    open(sealed, context) {
      const id = sealedKeyId(sealed);
      if (masterKey && id === masterKey.id) return masterKey.open(sealed, context);
      if (id === fallback.id) return fallback.open(sealed, context);
      throw new MasterKeyError(`the secret ${context} is sealed with master key ${id ?? '(none)'}: set the MASTER_KEY it was sealed with`);
    },
  };
}
