/**
 * `latchkey keys list|rotate|retire`: the JWT signing keys. Rotation adds a new Ed25519 key;
 * every node signs with it within a minute (they re-read the key set), and older keys keep
 * verifying, so tokens signed before the rotation stay valid until they expire. Retirement
 * (keys-retire.ts) then removes an old key from the JWKS and from verification. Both are audited.
 */
import { createJwtSigner } from '../../crypto/jwt-signer.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, onePositional, parseAction, shown } from '../args.js';
import { withAuditedStores } from '../audited-database.js';
import { CLI_CONTEXT, jsonText, UsageError, type Command } from '../command.js';
import { retireSigningKey } from './keys-retire.js';

const HELP = `Usage:
  latchkey keys list [--json]                 the signing keys, newest (the one that signs) first
  latchkey keys rotate [--json]               add a new signing key; older keys keep verifying
  latchkey keys retire KID [--force] [--json] stop publishing and accepting an old key; refused for the
                                              current key, and (unless --force) while a token it signed
                                              could still be valid`;

export const keysCommand: Command = {
  help: HELP,
  async run(args) {
    const { action, flags } = parseAction(args, { switches: args[0] === 'retire' ? ['--json', '--force'] : ['--json'] });
    const json = flags.switches.has('--json');
    const force = flags.switches.has('--force');
    if (action !== 'list' && action !== 'rotate' && action !== 'retire') {
      throw new UsageError(action === undefined ? 'say list, rotate or retire (see --help)' : `unknown action ${shown(action)} (list, rotate or retire)`);
    }
    const kid = action === 'retire' ? onePositional(flags, 'say which key: latchkey keys retire KID') : undefined;
    if (action !== 'retire') noPositional(flags);
    return withAuditedStores(async (stores, audit, config) => {
      if (action === 'rotate') {
        const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock: systemClock, issuer: config.jwtIssuer });
        const newKid = await signer.rotate();
        await stores.uow.transaction((tx) => audit.record(tx, { type: 'signing_key_rotate', outcome: 'success', ctx: CLI_CONTEXT, detail: { kid: newKid } }));
        process.stdout.write(json ? `${jsonText({ kid: newKid })}\n` : `new signing key ${newKid}; nodes sign with it within a minute\n`);
        return 0;
      }
      if (action === 'retire') {
        await retireSigningKey({ ...stores, audit, now: systemClock.now(), accessTokenTtl: config.accessTokenTtl }, kid as string, force);
        process.stdout.write(json ? `${jsonText({ kid, retired: true })}\n` : `retired signing key ${kid}; nodes stop accepting it within a minute\n`);
        return 0;
      }
      const listed = await stores.keys.listSigningKeys(stores.uow.db);
      const signing = listed.find((k) => k.retiredAt === null)?.kid;
      const keys = listed.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        created: new Date(k.createdAt).toISOString(),
        signing: k.kid === signing,
        retired: k.retiredAt === null ? null : new Date(k.retiredAt).toISOString(),
      }));
      if (json) process.stdout.write(`${jsonText(keys)}\n`);
      else for (const k of keys) process.stdout.write(`${k.kid}  ${k.alg}  ${k.created}${k.signing ? '  (signing)' : ''}${k.retired ? `  (retired ${k.retired})` : ''}\n`);
      return 0;
    });
  },
};
