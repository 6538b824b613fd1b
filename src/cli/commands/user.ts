/**
 * `latchkey user add|list|show|disable|enable|delete|set-password|rename|collisions|mfa-reset|
 * app-passwords`: account administration on DATABASE_URL directly (no server needed; the schema
 * must be migrated). The same flows as the
 * /api/v1/admin routes (src/core/admin). A user is named by id, username or email.
 *
 * Passwords never come from the command line (other users of the machine see it in `ps`):
 * `--password-stdin` reads one line from standard input; without it a strong password is
 * generated and printed once. Exit status: 0 done, 1 not found or refused, 2 bad arguments.
 */
import { createInterface } from 'node:readline/promises';
import type { Config } from '../../config/index.js';
import { loadConfig } from '../../config/index.js';
import { ACCOUNT_STATUSES, createAdminService, MAX_PAGE_SIZE, userDetailRecord, userRecord } from '../../core/admin/index.js';
import type { AdminDeps, AdminService, AdminUser, AdminUserDetail, StatusChange, UserListQuery } from '../../core/admin/index.js';
import { newSecret } from '../../core/credentials/secrets.js';
import { AuthError } from '../../core/errors.js';
import type { AccountStatus } from '../../core/accounts/ports.js';
import type { AccessTokenSigner } from '../../core/tokens/ports.js';
import { createArgon2Hasher } from '../../crypto/argon2-hasher.js';
import { withForeignHashes } from '../../crypto/foreign-hashes.js';
import { createAuditLog } from '../../store/audit.js';
import { createStores, type Stores } from '../../store/index.js';
import { createOutboxQueue } from '../../store/outbox.js';
import { createOidcClientStore } from '../../store/oidc-clients.js';
import { adminMailQueue, corePolicy, secondFactorDeps, systemClock } from '../core-wiring.js';
import { noPositional, onePositional, parseFlags, shown } from '../args.js';
import { CLI_CONTEXT, jsonText, textTable, UsageError, type Command } from '../command.js';
import { openMigratedDatabase } from '../database.js';
import { parseIdentifierArgs, runIdentifierCommand, type IdentifierArgs } from './user-identifiers.js';
import { isoTime } from '../../core/time.js';
import { FACTOR_ACTIONS, FACTOR_HELP, FACTOR_USAGE, isFactorAction, parseFactorArgs, runFactorCommand, type FactorArgs } from './user-factors.js';

// Arguments

export type UserArgs =
  | { action: 'add'; json: boolean; username?: string; email?: string; passwordStdin: boolean }
  | { action: 'list'; json: boolean; query: UserListQuery }
  | { action: 'show' | 'disable' | 'enable'; json: boolean; user: string }
  | { action: 'delete'; json: boolean; user: string; yes: boolean }
  | { action: 'set-password'; json: boolean; user: string; passwordStdin: boolean }
  | IdentifierArgs | FactorArgs;

const ACTIONS = ['add', 'list', 'show', 'disable', 'enable', 'delete', 'set-password', 'rename', 'collisions', ...FACTOR_ACTIONS] as const;

/** Parses the arguments after `user`; throws UsageError for anything else. */
export function parseUserArgs(args: string[]): UserArgs {
  const [action, ...rest] = args;
  if (action === undefined) throw new UsageError(`say ${ACTIONS.join(', ')} (see --help)`);
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new UsageError(`unknown action ${shown(action)} (${ACTIONS.join(', ')})`);
  }
  if (action === 'add') {
    const flags = parseFlags(rest, { values: ['--username', '--email'], switches: ['--password-stdin', '--json'] });
    noPositional(flags);
    const username = flags.values.get('--username');
    const email = flags.values.get('--email');
    if (username === undefined && email === undefined) throw new UsageError('user add needs --username U, --email E or both');
    return {
      action,
      json: flags.switches.has('--json'),
      ...(username !== undefined ? { username } : {}),
      ...(email !== undefined ? { email } : {}),
      passwordStdin: flags.switches.has('--password-stdin'),
    };
  }
  if (action === 'list') {
    const flags = parseFlags(rest, { values: ['--status', '--search', '--limit', '--after'], switches: ['--json'] });
    noPositional(flags);
    const query: UserListQuery = {};
    const status = flags.values.get('--status');
    if (status !== undefined) {
      if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status must be one of ${ACCOUNT_STATUSES.join(', ')}`);
      query.status = status as AccountStatus;
    }
    const limit = flags.values.get('--limit');
    if (limit !== undefined) {
      if (!/^[1-9]\d{0,2}$/.test(limit) || Number(limit) > MAX_PAGE_SIZE) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
      query.limit = Number(limit);
    }
    const search = flags.values.get('--search');
    if (search !== undefined) query.search = search;
    const after = flags.values.get('--after');
    if (after !== undefined) query.after = after;
    return { action, json: flags.switches.has('--json'), query };
  }
  if (isFactorAction(action)) return parseFactorArgs(action, parseFlags(rest, { values: ['--revoke'], switches: ['--json'] }));
  if (action === 'rename' || action === 'collisions') {
    return parseIdentifierArgs(action, parseFlags(rest, { switches: action === 'rename' ? ['--none', '--json'] : ['--json'] }));
  }
  if (action === 'delete') {
    const flags = parseFlags(rest, { switches: ['--yes', '--json'] });
    return { action, json: flags.switches.has('--json'), user: onePositional(flags, 'user delete needs a user (id, username or email)'), yes: flags.switches.has('--yes') };
  }
  if (action === 'set-password') {
    const flags = parseFlags(rest, { switches: ['--password-stdin', '--json'] });
    const user = onePositional(flags, 'user set-password needs a user (id, username or email)');
    return { action, json: flags.switches.has('--json'), user, passwordStdin: flags.switches.has('--password-stdin') };
  }
  const flags = parseFlags(rest, { switches: ['--json'] });
  return { action: action as 'show' | 'disable' | 'enable', json: flags.switches.has('--json'), user: onePositional(flags, `user ${action} needs a user (id, username or email)`) };
}

// ---------------------------------------------------------------------------------------------
// Wiring and input

/** A signer for deps that never sign: the admin flows open no session. */
const NO_SIGNER: AccessTokenSigner = {
  sign: () => Promise.reject(new Error('the admin commands sign no tokens')),
  verify: async () => null,
};

/**
 * The admin flows over DATABASE_URL, as the CLI runs them: argon2id with the configured
 * parameters, the same policy as the server, audit events stored as rows (the CLI has no log:
 * its standard output is its answer).
 */
export async function openAdmin(config: Config): Promise<{ admin: AdminService; close(): Promise<void> }> {
  const database = await openMigratedDatabase(config);
  let announced: { stores: Stores; close(): Promise<void> } | null = null;
  try {
    const clock = systemClock;
    // Nodes whose session caches listen on Redis hear of these writes only if they are published there.
    announced =
      database.dialect === 'postgres' && config.sessionCache.enabled && config.redisUrl !== null
        ? await (await import('../../store/session-cache/index.js')).announceSessionChanges(
            createStores(database, clock, config.masterKey),
            config.databaseUrl,
            { url: config.redisUrl, prefix: config.redisPrefix },
            { warn: (_obj, msg) => process.stderr.write(`warning: ${msg}\n`), info: () => {} },
          )
        : null;
    const stores = announced?.stores ?? createStores(database, clock, config.masterKey);
    const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', newSecret, clock.now());
    const audit = createAuditLog(database.db, { clock, serverKey, log: { info: () => {}, warn: () => {} } });
    const deps: AdminDeps = {
      ...stores,
      secondFactor: secondFactorDeps(config, serverKey),
      hasher: withForeignHashes(createArgon2Hasher(config.argon2)),
      signer: NO_SIGNER,
      clock,
      policy: corePolicy(config),
      serverKey,
      audit,
      mail: adminMailQueue(createOutboxQueue(database.db, database.dialect)),
      oidcClients: createOidcClientStore(),
    };
    const announcer = announced;
    return {
      admin: createAdminService(deps),
      async close() {
        await announcer?.close();
        await database.close();
      },
    };
  } catch (err) {
    await announced?.close();
    await database.close();
    throw err;
  }
}

const MAX_STDIN_LINE = 4096;

/** Reads the first line of standard input (a password); UsageError when there is none. */
export async function readStdinLine(stream: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<string> {
  if (stream.isTTY) process.stderr.write('password (one line): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (buffer.includes(0x0a) || size > MAX_STDIN_LINE) break;
  }
  const line = (Buffer.concat(chunks).toString('utf8').split('\n')[0] ?? '').replace(/\r$/, '');
  if (Buffer.byteLength(line) > MAX_STDIN_LINE) throw new UsageError(`--password-stdin: the line is longer than ${MAX_STDIN_LINE} bytes`);
  if (line === '') throw new UsageError('--password-stdin: no password on standard input (send it as one line)');
  return line;
}

/** Asks on the terminal whether to delete; true only for "yes". */
async function confirmDeletion(user: AdminUser): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`Delete ${describe(user)} with its sessions? This cannot be undone. Type yes to delete: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Output

// Stored values are printed to a terminal: control characters become '?' so none can forge output.
function clean(value: string | null): string {
  return (value ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** "alice (id …)": the name an operator recognises, and the id. */
export function describe(user: AdminUser): string {
  return `${clean(user.username ?? user.email ?? 'account')} (id ${user.id})`;
}

function iso(ms: number | null): string {
  return isoTime(ms) ?? 'never';
}

function table(users: AdminUser[]): string {
  if (users.length === 0) return 'no accounts';
  const rows = [
    ['ID', 'USERNAME', 'EMAIL', 'STATUS', 'CREATED'],
    ...users.map((u) => [u.id, clean(u.username) || '-', clean(u.email) || '-', u.status, iso(u.createdAt)]),
  ];
  return textTable(rows);
}

function details(user: AdminUserDetail): string {
  const lines: Array<[string, string]> = [
    ['id', user.id],
    ['username', clean(user.username) || '-'],
    ['email', clean(user.email) || '-'],
    ['status', user.status],
    ['password', user.hasPassword ? 'set' : 'none (never set)'],
    ['email verified', iso(user.emailVerifiedAt)],
    ['language', user.locale ?? '- (DEFAULT_LANGUAGE)'],
    ['created', iso(user.createdAt)],
    ['updated', iso(user.updatedAt)],
    ['live sessions', String(user.liveSessions)],
    ['last login', iso(user.lastLoginAt)],
  ];
  return lines.map(([k, v]) => `${`${k}:`.padEnd(16)}${v}`).join('\n');
}

function passwordNotice(password: string): string[] {
  return [`password: ${password}`, 'Store it now: it will not be shown again (Latchkey keeps only its hash).'];
}

function statusLine(verb: 'disabled' | 'enabled', change: StatusChange): string {
  const ended = change.sessionsEnded > 0 ? `; ${change.sessionsEnded} session(s) ended` : '';
  if (!change.changed) {
    return verb === 'disabled'
      ? `${describe(change.user)} was already disabled${ended}`
      : `${describe(change.user)} is not disabled (status ${change.user.status}); nothing changed`;
  }
  return verb === 'disabled' ? `disabled ${describe(change.user)}${ended}` : `enabled ${describe(change.user)}: now ${change.user.status}${ended}`;
}

/** Runs a parsed command; resolves to what to print (stdout) and the exit status. */
export async function runUser(admin: AdminService, parsed: UserArgs, password: () => Promise<string>): Promise<{ output: string; status: number }> {
  const json = (value: unknown) => ({ output: jsonText(value), status: 0 });
  switch (parsed.action) {
    case 'mfa-reset': case 'app-passwords': return runFactorCommand(admin, parsed, CLI_CONTEXT);
    case 'rename':
    case 'collisions':
      return runIdentifierCommand(admin, parsed, CLI_CONTEXT);
    case 'add': {
      const given = parsed.passwordStdin ? await password() : undefined;
      const { user, generatedPassword } = await admin.addUser({ username: parsed.username, email: parsed.email, password: given }, CLI_CONTEXT);
      if (parsed.json) return json({ user: userRecord(user), generatedPassword });
      return { output: [`added ${describe(user)}: ${user.status}`, ...(generatedPassword ? passwordNotice(generatedPassword) : [])].join('\n'), status: 0 };
    }
    case 'list': {
      const page = await admin.listUsers(parsed.query);
      if (parsed.json) return json({ users: page.users.map(userRecord), next: page.next });
      return { output: table(page.users) + (page.next ? `\nmore accounts: repeat with --after ${page.next}` : ''), status: 0 };
    }
    case 'show': {
      const user = await admin.showUser(parsed.user);
      return parsed.json ? json({ user: userDetailRecord(user) }) : { output: details(user), status: 0 };
    }
    case 'disable':
    case 'enable': {
      const change = parsed.action === 'disable' ? await admin.disableUser(parsed.user, CLI_CONTEXT) : await admin.enableUser(parsed.user, CLI_CONTEXT);
      if (parsed.json) return json({ user: userRecord(change.user), changed: change.changed, sessionsEnded: change.sessionsEnded });
      return { output: statusLine(parsed.action === 'disable' ? 'disabled' : 'enabled', change), status: 0 };
    }
    case 'delete': {
      if (!parsed.yes && !(await confirmDeletion(await admin.showUser(parsed.user)))) return { output: 'not deleted', status: 1 };
      const user = await admin.deleteUser(parsed.user, CLI_CONTEXT);
      if (parsed.json) return json({ user: userRecord(user), deleted: true });
      return { output: `deleted ${describe(user)}${user.email ? '; its owner is notified by email' : ''}`, status: 0 };
    }
    case 'set-password': {
      const given = parsed.passwordStdin ? await password() : null;
      const done = await admin.setPassword(parsed.user, given, CLI_CONTEXT);
      if (parsed.json) return json({ user: userRecord(done.user), generatedPassword: done.generatedPassword, sessionsEnded: done.sessionsEnded });
      const notice = done.user.email ? '; its owner is notified by email' : '';
      return {
        output: [`password set for ${describe(done.user)}; ${done.sessionsEnded} session(s) ended${notice}`, ...(done.generatedPassword ? passwordNotice(done.generatedPassword) : [])].join('\n'),
        status: 0,
      };
    }
  }
}

/** Runs `fn` with the admin flows over DATABASE_URL; INVALID_INPUT becomes a usage error (exit 2). */
export async function withAdmin(fn: (admin: AdminService) => Promise<{ output: string; status: number }>): Promise<number> {
  const { admin, close } = await openAdmin(loadConfig());
  try {
    const { output, status } = await fn(admin);
    (status === 0 ? process.stdout : process.stderr).write(`${output}\n`);
    return status;
  } catch (err) {
    if (err instanceof AuthError && err.code === 'INVALID_INPUT') throw new UsageError(err.message);
    throw err; // NOT_FOUND, WEAK_PASSWORD, taken names and anything else: one line, exit status 1
  } finally {
    await close();
  }
}

const HELP = `Usage:
  latchkey user add --username U [--email E] [--password-stdin] [--json]
  latchkey user add --email E [--password-stdin] [--json]
  latchkey user list [--status S] [--search PREFIX] [--limit N] [--after ID] [--json]
  latchkey user show USER [--json]
  latchkey user disable USER [--json]
  latchkey user enable USER [--json]
  latchkey user delete USER [--yes] [--json]
  latchkey user set-password USER [--password-stdin] [--json]
  latchkey user rename USER NEW-USERNAME|--none [--json]
  latchkey user collisions [--json]
${FACTOR_USAGE}

Account administration on DATABASE_URL (the same rules as the /api/v1/admin API).
USER is an account id, a username or an email (an id is tried first).

add           creates an active account with a username, an email or both.
list          accounts, newest first, a page of --limit N (default 50, at most ${MAX_PAGE_SIZE});
              when there are more, the last line gives the --after ID of the next page.
              --status pending|active|disabled; --search PREFIX: the start of a username or
              email, in any case.
show          the account, its number of live sessions and its last login (never the hash).
disable       the account is refused everywhere; every session and refresh chain ends at once.
enable        a disabled account can log in again (pending if it never set a password).
delete        deletes the account, its sessions and links, and emails its owner a notice.
              Asks on a terminal; --yes to skip the question (needed when not on a terminal).
set-password  sets a new password: every session ends, reset links die, the owner is emailed.
rename        gives the account a new username (--none: no username, if it has an email).
              Usernames and emails are one namespace: refused if another account uses the
              name as username or email.
collisions    usernames the upgrade to one namespace left out because each is another
              account's email (they no longer log in); resolve each with rename, naming the
              account by its id.
${FACTOR_HELP}

Passwords are never command-line arguments. --password-stdin reads one line from standard
input (e.g. printf '%s\\n' "$PW" | latchkey user add --username alice --password-stdin);
without it a strong password is generated and printed once. The password policy applies.
--json        prints JSON instead of text.
Exit status: 0 done, 1 not found or refused, 2 bad arguments.`;

export const userCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseUserArgs(args);
    if (parsed.action === 'delete' && !parsed.yes && !process.stdin.isTTY) {
      throw new UsageError('user delete needs --yes when standard input is not a terminal');
    }
    return withAdmin((admin) => runUser(admin, parsed, () => readStdinLine()));
  },
};
