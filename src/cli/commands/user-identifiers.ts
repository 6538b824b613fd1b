/**
 * `latchkey user rename USER NEWNAME|--none` and `latchkey user collisions`: the operator's side
 * of the one namespace of login identifiers (docs/decisions.md). `collisions` first claims the
 * identifiers of accounts written by an earlier release (rolling upgrade), then lists the
 * identifiers left out because another account holds them: mostly usernames the migration
 * found equal to another account's email (such an account does not log in by that username).
 * `rename` gives one a new username, which resolves it. Name the account by its id: its
 * username resolves to the other account.
 */
import type { AdminService } from '../../core/admin/index.js';
import { userRecord } from '../../core/admin/index.js';
import type { IdentifierCollision } from '../../core/accounts/ports.js';
import { jsonText, UsageError } from '../command.js';
import { shown } from '../args.js';
import type { ParsedFlags } from '../args.js';

export type IdentifierArgs =
  | { action: 'rename'; json: boolean; user: string; username: string | null }
  | { action: 'collisions'; json: boolean };

/** Parses `rename` / `collisions` after their flags were split. */
export function parseIdentifierArgs(action: 'rename' | 'collisions', flags: ParsedFlags): IdentifierArgs {
  const json = flags.switches.has('--json');
  if (action === 'collisions') {
    const [extra] = flags.positional;
    if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
    return { action, json };
  }
  const [user, username, extra] = flags.positional;
  if (user === undefined) throw new UsageError('user rename needs a user (id, username or email) and a new username (or --none)');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
  const none = flags.switches.has('--none');
  if (none === (username !== undefined)) throw new UsageError('user rename needs either a new username or --none');
  return { action, json, user, username: none ? null : (username as string) };
}

// Stored values are printed to a terminal: control characters become '?' so none can forge output.
function clean(value: string | null): string {
  return (value ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function collisionRecord(c: IdentifierCollision) {
  return {
    identifier: c.identifier,
    kind: c.kind,
    account: { id: c.account.id, username: c.account.username, email: c.account.email, status: c.account.status },
    other: c.other ? { id: c.other.id, username: c.other.username, email: c.other.email, status: c.other.status } : null,
    foundAt: new Date(c.foundAt).toISOString(),
  };
}

/** Runs `rename` or `collisions`; resolves to what to print and the exit status. */
export async function runIdentifierCommand(admin: AdminService, parsed: IdentifierArgs, ctx: Parameters<AdminService['renameUser']>[2]): Promise<{ output: string; status: number }> {
  if (parsed.action === 'rename') {
    const user = await admin.renameUser(parsed.user, parsed.username, ctx);
    if (parsed.json) return { output: jsonText({ user: userRecord(user) }), status: 0 };
    return { output: `renamed account ${user.id}: username ${user.username === null ? 'removed' : clean(user.username)}`, status: 0 };
  }
  const found = await admin.listCollisions();
  if (parsed.json) return { output: jsonText({ collisions: found.map(collisionRecord) }), status: 0 };
  if (found.length === 0) return { output: 'no identifier collisions', status: 0 };
  const lines = found.map((c) => {
    const other = c.other ? `account ${c.other.id} (username ${clean(c.other.username)}, email ${clean(c.other.email)})` : 'an account deleted since';
    if (c.kind === 'email') {
      return `${c.account.id}: email ${clean(c.account.email)} is held by ${other}; it does not log in by this email.\n  resolve: rename or delete one of the two accounts`;
    }
    return `${c.account.id}: username ${clean(c.account.username)} is held by ${other}; it does not log in by this username.\n  resolve: latchkey user rename ${c.account.id} NEW-USERNAME`;
  });
  return { output: [`${found.length} identifier(s) held by another account:`, ...lines].join('\n'), status: 0 };
}
