/**
 * `latchkey promo add CODE [--max-uses N] [--expires YYYY-MM-DD] [--note TEXT] [--json]` and
 * `latchkey promo list [--json]`: promo codes for email sign-up. Opens DATABASE_URL directly
 * (no server needed); the schema must be migrated (`latchkey migrate`).
 */
import { loadConfig } from '../../config/index.js';
import { AuthError } from '../../core/errors.js';
import type { PromoCode } from '../../core/promo/ports.js';
import { addPromoCode, listPromoCodes } from '../../core/promo/promo-codes.js';
import type { PromoInput } from '../../core/promo/ports.js';
import { createStores } from '../../store/index.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, onePositional, parseAction, shown } from '../args.js';
import { jsonText, UsageError, type Command } from '../command.js';
import { openMigratedDatabase } from '../database.js';

export type PromoArgs = { action: 'list'; json: boolean } | { action: 'add'; json: boolean; input: PromoInput };

const HELP = `Usage:
  latchkey promo add CODE [--max-uses N] [--expires YYYY-MM-DD] [--note TEXT] [--json]
  latchkey promo list [--json]

add   creates a promo code (letters, digits, - and _; compared case-insensitively).
      --max-uses N    how many sign-ups may use it (default: unlimited)
      --expires DATE  last day it can be used: it works until 23:59:59.999 UTC that day
                      (shown as that time; default: never)
      --note TEXT     a note for operators
list  prints every promo code, newest first.
--json prints JSON instead of text.`;

/** The end of the UTC day `value` names (YYYY-MM-DD): the code works through that whole day. */
export function parseExpiry(value: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const start = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || new Date(start).toISOString().slice(0, 10) !== value) throw new UsageError(`--expires must be a date like 2027-01-31 (got ${shown(value.slice(0, 40))})`);
  return start + 86_400_000 - 1;
}

/** Parses the arguments after `promo`; throws UsageError for anything else. */
export function parsePromoArgs(args: string[]): PromoArgs {
  const { action, flags } = parseAction(args, args[0] === 'add' ? { values: ['--max-uses', '--expires', '--note'], switches: ['--json'] } : { switches: ['--json'] });
  const json = flags.switches.has('--json');
  if (action === 'list') {
    noPositional(flags);
    return { action: 'list', json };
  }
  if (action !== 'add') throw new UsageError(action === undefined ? 'say add or list (see --help)' : `unknown action ${shown(action)} (add or list)`);
  const input: PromoInput = { code: onePositional(flags, 'promo add needs a CODE') };
  const maxUses = flags.values.get('--max-uses');
  if (maxUses !== undefined) {
    if (!/^[1-9]\d{0,8}$/.test(maxUses)) throw new UsageError(`--max-uses must be a whole number of at least 1 (got ${shown(maxUses.slice(0, 40))})`);
    input.maxUses = Number(maxUses);
  }
  const expires = flags.values.get('--expires');
  if (expires !== undefined) input.expiresAt = parseExpiry(expires);
  const note = flags.values.get('--note');
  if (note !== undefined) input.note = note;
  return { action: 'add', json, input };
}

function toJson(p: PromoCode): Record<string, unknown> {
  return {
    code: p.code,
    maxUses: p.maxUses,
    uses: p.uses,
    expiresAt: p.expiresAt === null ? null : new Date(p.expiresAt).toISOString(),
    note: p.note,
    createdAt: new Date(p.createdAt).toISOString(),
  };
}

function toLine(p: PromoCode): string {
  const limit = p.maxUses === null ? 'unlimited' : String(p.maxUses);
  const expires = p.expiresAt === null ? 'never' : new Date(p.expiresAt).toISOString();
  return `${p.code}  uses ${p.uses}/${limit}  expires ${expires}${p.note ? `  ${p.note.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')}` : ''}`;
}

export const promoCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parsePromoArgs(args);
    const config = loadConfig();
    const database = await openMigratedDatabase(config);
    try {
      const deps = { ...createStores(database, systemClock), clock: systemClock };
      if (parsed.action === 'list') {
        const codes = await listPromoCodes(deps);
        const out = parsed.json ? jsonText(codes.map(toJson)) : codes.length ? codes.map(toLine).join('\n') : 'no promo codes';
        process.stdout.write(`${out}\n`);
        return 0;
      }
      try {
        const promo = await addPromoCode(deps, parsed.input);
        process.stdout.write(`${parsed.json ? jsonText(toJson(promo)) : `added ${toLine(promo)}`}\n`);
        return 0;
      } catch (err) {
        if (err instanceof AuthError) throw new UsageError(err.message);
        throw err;
      }
    } finally {
      await database.close();
    }
  },
};
