/**
 * `latchkey keys list [--json]` and `latchkey keys rotate [--json]`: the JWT signing keys. Rotation
 * adds a new Ed25519 key; every node signs with it within a minute (they re-read the key set),
 * and older keys keep verifying, so tokens signed before the rotation stay valid until they expire.
 */
import { loadConfig } from '../../config/index.js';
import { createJwtSigner } from '../../crypto/jwt-signer.js';
import { createStores, isSchemaCurrent, openDatabase } from '../../store/index.js';
import { systemClock } from '../core-wiring.js';
import { UsageError, type Command } from '../command.js';

const HELP = `Usage:
  latchkey keys list [--json]     the signing keys, newest (the one that signs) first
  latchkey keys rotate [--json]   add a new signing key; older keys keep verifying`;

export const keysCommand: Command = {
  help: HELP,
  async run(args) {
    const [action, ...rest] = args;
    const json = rest.includes('--json');
    const extra = rest.find((a) => a !== '--json');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    if (action !== 'list' && action !== 'rotate') {
      throw new UsageError(action === undefined ? 'say list or rotate (see --help)' : `unknown action "${action}" (list or rotate)`);
    }
    const config = loadConfig();
    const database = await openDatabase(config.databaseUrl);
    try {
      if (!(await isSchemaCurrent(database))) throw new Error('the database is not migrated; run latchkey migrate');
      const stores = createStores(database, systemClock);
      if (action === 'rotate') {
        const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock: systemClock, issuer: config.jwtIssuer });
        const kid = await signer.rotate();
        process.stdout.write(json ? `${JSON.stringify({ kid })}\n` : `new signing key ${kid}; nodes sign with it within a minute\n`);
        return 0;
      }
      const keys = (await stores.keys.listSigningKeys(stores.uow.db)).map((k, i) => ({
        kid: k.kid,
        alg: k.alg,
        created: new Date(k.createdAt).toISOString(),
        signing: i === 0,
      }));
      if (json) process.stdout.write(`${JSON.stringify(keys)}\n`);
      else for (const k of keys) process.stdout.write(`${k.kid}  ${k.alg}  ${k.created}${k.signing ? '  (signing)' : ''}\n`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
