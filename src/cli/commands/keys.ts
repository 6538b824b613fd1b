/**
 * `latchkey keys list|rotate|retire`: the signing keys. Rotation adds a new Ed25519 key (or with
 * --rs256 an RS256 key for OIDC clients); every node signs with it within a minute (the JWT
 * signer re-reads the key set; the OIDC provider checks it every few seconds, src/cli/oidc-jobs.ts), and older keys keep
 * verifying, so tokens signed before the rotation stay valid until they expire. Retirement
 * (keys-retire.ts) then removes an old key from the JWKS and from verification. Both are audited.
 */
import { rotateRsaSigningKey } from '../../core/oidc/keys.js';
import { createJwtSigner } from '../../crypto/jwt-signer.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, onePositional, parseAction, shown } from '../args.js';
import { withAuditedStores } from '../audited-database.js';
import { CLI_CONTEXT, jsonText, UsageError, type Command } from '../command.js';
import { retireSigningKey } from './keys-retire.js';

const HELP = `Usage:
  latchkey keys list [--json]                 the signing keys, newest (the one that signs) first
  latchkey keys rotate [--rs256] [--json]     add a new signing key; older keys keep verifying.
                                              --rs256: a new RS256 key for OIDC clients that verify RS256
                                              only (the default rotates the Ed25519 key of the JWT API and OIDC)
  latchkey keys retire KID [--force] [--json] stop publishing and accepting an old key; refused for the
                                              current key, and (unless --force) while a token it signed
                                              could still be valid`;

export const keysCommand: Command = {
  help: HELP,
  async run(args) {
    const { action, flags } = parseAction(args, { switches: args[0] === 'retire' ? ['--json', '--force'] : args[0] === 'rotate' ? ['--json', '--rs256'] : ['--json'] });
    const json = flags.switches.has('--json');
    const force = flags.switches.has('--force');
    if (action !== 'list' && action !== 'rotate' && action !== 'retire') {
      throw new UsageError(action === undefined ? 'say list, rotate or retire (see --help)' : `unknown action ${shown(action)} (list, rotate or retire)`);
    }
    const kid = action === 'retire' ? onePositional(flags, 'say which key: latchkey keys retire KID') : undefined;
    if (action !== 'retire') noPositional(flags);
    return withAuditedStores(async (stores, audit, config) => {
      if (action === 'rotate') {
        const rs256 = flags.switches.has('--rs256');
        const newKid = rs256
          ? await rotateRsaSigningKey({ uow: stores.uow, keys: stores.keys, clock: systemClock })
          : await (await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock: systemClock, issuer: config.jwtIssuer })).rotate();
        const alg = rs256 ? 'RS256' : 'EdDSA';
        await stores.uow.transaction((tx) => audit.record(tx, { type: 'signing_key_rotate', outcome: 'success', ctx: CLI_CONTEXT, detail: { kid: newKid, alg } }));
        process.stdout.write(json ? `${jsonText({ kid: newKid, alg })}\n` : `new ${alg} signing key ${newKid}; nodes sign with it within a minute\n`);
        return 0;
      }
      if (action === 'retire') {
        await retireSigningKey({ ...stores, audit, now: systemClock.now(), accessTokenTtl: config.accessTokenTtl }, kid as string, force);
        process.stdout.write(json ? `${jsonText({ kid, retired: true })}\n` : `retired signing key ${kid}; nodes stop accepting it within a minute\n`);
        return 0;
      }
      const listed = await stores.keys.listSigningKeys(stores.uow.db);
      const signing = new Set(['EdDSA', 'RS256'].map((alg) => listed.find((k) => k.retiredAt === null && k.alg === alg)?.kid));
      const keys = listed.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        created: new Date(k.createdAt).toISOString(),
        signing: signing.has(k.kid),
        retired: k.retiredAt === null ? null : new Date(k.retiredAt).toISOString(),
      }));
      if (json) process.stdout.write(`${jsonText(keys)}\n`);
      else for (const k of keys) process.stdout.write(`${k.kid}  ${k.alg}  ${k.created}${k.signing ? '  (signing)' : ''}${k.retired ? `  (retired ${k.retired})` : ''}\n`);
      return 0;
    });
  },
};
