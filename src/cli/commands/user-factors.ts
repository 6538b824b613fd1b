/**
 * `latchkey user mfa-reset USER` and `latchkey user app-passwords USER [--revoke ID]`: the
 * operator's side of the second factor (docs/security.md, "Second factor"). mfa-reset removes
 * every factor and recovery code of the account (a lost device; audited, the owner mailed);
 * app-passwords lists the account's app passwords, or revokes one.
 */
import type { AdminService } from '../../core/admin/index.js';
import { userRecord } from '../../core/admin/index.js';
import { isoTime } from '../../core/time.js';
import { shown, type ParsedFlags } from '../args.js';
import { jsonText, UsageError } from '../command.js';

export const FACTOR_ACTIONS = ['mfa-reset', 'app-passwords'] as const;

export type FactorArgs = { action: 'mfa-reset'; json: boolean; user: string } | { action: 'app-passwords'; json: boolean; user: string; revoke: string | null };

export const FACTOR_USAGE = `  latchkey user mfa-reset USER [--json]
  latchkey user app-passwords USER [--revoke ID] [--json]`;

export const FACTOR_HELP = `mfa-reset     removes every second factor and recovery code (a lost device); the owner is
              emailed, and the password alone signs in again.
app-passwords the account's app passwords for HTTP Basic clients; --revoke ID revokes one.`;

/** True for the actions this module parses and runs. */
export function isFactorAction(action: string): action is FactorArgs['action'] {
  return (FACTOR_ACTIONS as readonly string[]).includes(action);
}

/** Parses `mfa-reset` / `app-passwords` after their flags were split. */
export function parseFactorArgs(action: FactorArgs['action'], flags: ParsedFlags): FactorArgs {
  const [user, extra] = flags.positional;
  if (user === undefined) throw new UsageError(`user ${action} needs a user (id, username or email)`);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
  const json = flags.switches.has('--json');
  return action === 'mfa-reset' ? { action, json, user } : { action, json, user, revoke: flags.values.get('--revoke') ?? null };
}

// Stored names are printed to a terminal: control characters become '?' so none can forge output.
const clean = (value: string): string => value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** Runs `mfa-reset` or `app-passwords`; resolves to what to print and the exit status. */
export async function runFactorCommand(admin: AdminService, parsed: FactorArgs, ctx: Parameters<AdminService['resetSecondFactor']>[1]): Promise<{ output: string; status: number }> {
  const json = (value: unknown) => ({ output: jsonText(value), status: 0 });
  if (parsed.action === 'mfa-reset') {
    const done = await admin.resetSecondFactor(parsed.user, ctx);
    if (parsed.json) return json({ user: userRecord(done.user), factorsRemoved: done.factorsRemoved });
    return { output: done.factorsRemoved === 0 ? `account ${done.user.id} had no second factor; nothing changed` : `removed the second factor of account ${done.user.id}; its owner is emailed`, status: 0 };
  }
  if (parsed.revoke !== null) {
    const user = await admin.revokeAppPassword(parsed.user, parsed.revoke, ctx);
    return parsed.json ? json({ user: userRecord(user), revoked: parsed.revoke }) : { output: `revoked app password ${clean(parsed.revoke)} of account ${user.id}`, status: 0 };
  }
  const found = await admin.listAppPasswords(parsed.user);
  const items = found.appPasswords.map((p) => ({ id: p.id, name: p.name, created: isoTime(p.createdAt), lastUsed: isoTime(p.lastUsedAt) }));
  if (parsed.json) return json({ user: userRecord(found.user), appPasswords: items });
  if (items.length === 0) return { output: `account ${found.user.id} has no app passwords`, status: 0 };
  return { output: items.map((p) => `${p.id}  ${clean(p.name)}  created ${p.created}  last used ${p.lastUsed ?? 'never'}`).join('\n'), status: 0 };
}
