/**
 * `latchkey sessions revoke --account USER [--json]`: ends every session and refresh chain of
 * an account (cookie sessions, access and refresh tokens, on every surface) at once; the
 * account itself is unchanged, so its owner can log in again. USER is an id, username or email.
 */
import { userRecord } from '../../core/admin/index.js';
import { parseFlags, shown } from '../args.js';
import { CLI_CONTEXT, jsonText, UsageError, type Command } from '../command.js';
import { describe, withAdmin } from './user.js';

export interface SessionsArgs {
  action: 'revoke';
  account: string;
  json: boolean;
}

/** Parses the arguments after `sessions`; throws UsageError for anything else. */
export function parseSessionsArgs(args: string[]): SessionsArgs {
  const [action, ...rest] = args;
  if (action !== 'revoke') {
    throw new UsageError(action === undefined ? 'say revoke (see --help)' : `unknown action ${shown(action)} (revoke)`);
  }
  const flags = parseFlags(rest, { values: ['--account'], switches: ['--json'] });
  const [extra] = flags.positional;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
  const account = flags.values.get('--account');
  if (account === undefined) throw new UsageError('sessions revoke needs --account USER (an id, username or email)');
  return { action, account, json: flags.switches.has('--json') };
}

const HELP = `Usage:
  latchkey sessions revoke --account USER [--json]

Ends every session of the account USER (an id, username or email) at once: its cookie
sessions, access tokens and refresh chains are refused from their next request, on every
node. The account is unchanged; its owner can log in again (see latchkey user disable).
--json  prints JSON instead of text.
Exit status: 0 done, 1 no such account, 2 bad arguments.`;

export const sessionsCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseSessionsArgs(args);
    return withAdmin(async (admin) => {
      const { user, sessionsEnded } = await admin.revokeSessions(parsed.account, CLI_CONTEXT);
      if (parsed.json) return { output: jsonText({ user: userRecord(user), sessionsEnded }), status: 0 };
      return { output: `ended ${sessionsEnded} session(s) of ${describe(user)}`, status: 0 };
    });
  },
};
