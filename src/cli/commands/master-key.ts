/**
 * `latchkey master-key new|seal|rotate`: the master key that encrypts the secrets at rest
 * (MASTER_KEY / MASTER_KEY_FILE; src/core/secrets/master-key.ts). `rotate` re-encrypts every secret
 * under a new key in one transaction; the nodes must then be restarted with the new key (a node
 * still holding the old one can no longer re-read the signing keys). See docs/deploy.md.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/index.js';
import { createMasterKey, newMasterKeyText, parseMasterKeyText } from '../../core/secrets/master-key.js';
import { newSecret } from '../../core/credentials/secrets.js';
import type { AuditDetail } from '../../core/audit/ports.js';
import type { MasterKey } from '../../core/secrets/master-key.js';
import { createAuditLog } from '../../store/audit.js';
import { prepareSecretsAtRest, readServerSecret, reencryptSecrets } from '../../store/keys.js';
import { resealTotpSecrets } from '../../store/mfa.js';
import { createSecretSealer } from '../../crypto/secret-sealer.js';
import { createStores, isSchemaCurrent, openDatabase, type OpenedDatabase } from '../../store/index.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, parseAction } from '../args.js';
import { CLI_CONTEXT, jsonText, UsageError, type Command } from '../command.js';
import { openMigratedDatabase } from '../database.js';

const HELP = `Usage:
  latchkey master-key new                         print a new random key (64 hex digits) for MASTER_KEY(_FILE)
  latchkey master-key seal [--json]               encrypt secrets still stored clear with MASTER_KEY now
                                                  (serve also does this at start-up)
  latchkey master-key rotate --new-key-file F [--json]
                                                  re-encrypt every secret from MASTER_KEY (or clear) to the key in F
  latchkey master-key rotate --to-clear [--json]  decrypt every secret (store them clear again)
After rotate, restart every node with the new MASTER_KEY / MASTER_KEY_FILE (or none after --to-clear).`;

export const masterKeyCommand: Command = {
  help: HELP,
  async run(args) {
    const { action, flags } = parseAction(args, {
      values: args[0] === 'rotate' ? ['--new-key-file'] : [],
      switches: args[0] === 'new' ? [] : args[0] === 'rotate' ? ['--json', '--to-clear'] : ['--json'],
    });
    const json = flags.switches.has('--json');
    noPositional(flags);
    if (action === 'new') {
      process.stdout.write(`${newMasterKeyText()}\n`);
      return 0;
    }
    if (action !== 'seal' && action !== 'rotate') throw new UsageError(action === undefined ? 'say new, seal or rotate (see --help)' : `unknown action "${action}" (new, seal or rotate)`);
    let target = null;
    if (action === 'rotate') {
      const toClear = flags.switches.has('--to-clear');
      const keyFile = flags.values.get('--new-key-file');
      if (toClear === (keyFile !== undefined)) throw new UsageError('say --new-key-file FILE or --to-clear');
      if (keyFile !== undefined) {
        let text: string;
        try {
          text = readFileSync(keyFile, 'utf8');
        } catch (err) {
          throw new UsageError(`--new-key-file cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
        }
        const bytes = parseMasterKeyText(text);
        if (!bytes) throw new UsageError('--new-key-file must hold 32 bytes as 64 hex digits or base64 (latchkey master-key new)');
        target = createMasterKey(bytes);
      }
    }
    const config = loadConfig();
    if (action === 'seal' && !config.masterKey) throw new Error('MASTER_KEY or MASTER_KEY_FILE is not set');
    const database = await openMigratedDatabase(config);
    try {
      // Every secret must open with the current key first (a wrong MASTER_KEY stops here).
      const { sealed, total } = await prepareSecretsAtRest(database.db, config.masterKey);
      // TOTP secrets (sealed under the server key until a master key is set) move under the target key.
      const serverKey = await readServerSecret(database.db, 'server-key', config.masterKey);
      const moveTotp = (to: MasterKey | null) => (serverKey === null ? 0 : resealTotpSecrets(database.db, createSecretSealer(config.masterKey, serverKey), createSecretSealer(to, serverKey)));
      if (action === 'seal') {
        await moveTotp(config.masterKey);
        await recordMasterKeyEvent(database, config.masterKey, 'master_key_seal', { keyId: config.masterKey?.id ?? null, sealed, total });
        process.stdout.write(json ? `${jsonText({ keyId: config.masterKey?.id, sealed, total })}\n` : `${sealed} secret(s) encrypted now; all ${total} are under master key ${config.masterKey?.id}\n`);
        return 0;
      }
      const count = (await reencryptSecrets(database.db, config.masterKey, target)) + (await moveTotp(target));
      await recordMasterKeyEvent(database, target, 'master_key_rotate', { from: config.masterKey?.id ?? null, to: target?.id ?? null, secrets: count });
      process.stdout.write(
        json
          ? `${jsonText({ from: config.masterKey?.id ?? null, to: target?.id ?? null, secrets: count })}\n`
          : `${count} secret(s) ${target ? `re-encrypted under master key ${target.id}` : 'stored clear'}; restart every node with the new setting now\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
};

/** Writes the operator's change to the audit log, reading the server key under the key now in force. */
async function recordMasterKeyEvent(
  database: OpenedDatabase,
  key: MasterKey | null,
  type: 'master_key_seal' | 'master_key_rotate',
  detail: AuditDetail,
): Promise<void> {
  const stores = createStores(database, systemClock, key);
  const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, systemClock.now());
  const audit = createAuditLog(database.db, { clock: systemClock, serverKey, log: { info: () => {}, warn: () => {} } });
  await stores.uow.transaction((tx) => audit.record(tx, { type, outcome: 'success', ctx: CLI_CONTEXT, detail }));
}
