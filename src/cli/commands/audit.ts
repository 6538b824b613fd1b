/**
 * `latchkey audit [--account ID|USERNAME|EMAIL] [--type TYPE] [--since ISO] [--limit N] [--json]`:
 * the security events of the audit_events table, newest first. `--account` matches the
 * account's id (events outlive a deleted account, so a former id still works) and the keyed hash
 * of what was typed at a login or reset (so failed attempts on a name with no account show too).
 * Values are printed with control characters replaced, so a stored user agent cannot forge output.
 */
import { loadConfig } from '../../config/index.js';
import type { MasterKey } from '../../core/secrets/master-key.js';
import { loginKey } from '../../core/accounts/identifiers.js';
import { auditIdentifierHash } from '../../core/audit/identifier-hash.js';
import { AUDIT_EVENT_TYPES, type AuditEventType } from '../../core/audit/ports.js';
import { auditEventView, findAuditKey, listAuditEvents, type AuditEventRow } from '../../store/audit.js';
import { createStores, type OpenedDatabase } from '../../store/index.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, parseFlags, shown } from '../args.js';
import { jsonText, textTable, UsageError, type Command } from '../command.js';
import { openMigratedDatabase } from '../database.js';

/** The parsed arguments of `latchkey audit`. */
export interface AuditArgs {
  account: string | null;
  type: AuditEventType | null;
  since: number | null;
  limit: number;
  json: boolean;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 10_000;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseSince(value: string): number {
  // A time without a zone is UTC, like every time Latchkey stores.
  const withZone = value.includes('T') && !/(Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value;
  const ms = ISO.test(value) ? Date.parse(withZone) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since must be an ISO 8601 UTC date or time like 2026-11-01 or 2026-11-01T08:30:00Z (got ${shown(value)})`);
  return ms;
}

/** Parses the arguments after `audit`; throws UsageError for anything else. */
export function parseAuditArgs(args: string[]): AuditArgs {
  const flags = parseFlags(args, { values: ['--account', '--type', '--since', '--limit'], switches: ['--json'] });
  noPositional(flags);
  const parsed: AuditArgs = { account: null, type: null, since: null, limit: DEFAULT_LIMIT, json: flags.switches.has('--json') };
  const account = flags.values.get('--account');
  if (account !== undefined) {
    if (account.length > 1023 || /[\u0000-\u001f\u007f]/.test(account)) throw new UsageError('--account must be an account id, username or email');
    parsed.account = account;
  }
  const type = flags.values.get('--type');
  if (type !== undefined) {
    if (!(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${AUDIT_EVENT_TYPES.join(', ')} (got ${shown(type)})`);
    parsed.type = type as AuditEventType;
  }
  const since = flags.values.get('--since');
  if (since !== undefined) parsed.since = parseSince(since);
  const limit = flags.values.get('--limit');
  if (limit !== undefined) {
    if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT} (got ${shown(limit)})`);
    parsed.limit = Number(limit);
  }
  return parsed;
}

/** Which account ids and identifier hashes `--account VALUE` stands for. */
async function resolveAccount(database: OpenedDatabase, value: string, masterKey: MasterKey | null): Promise<{ accountId: string | null; identifierHashes: string[] }> {
  const { accounts, uow } = createStores(database, systemClock);
  const key = loginKey(value);
  const found = (UUID.test(value) ? await accounts.findById(uow.db, value.toLowerCase()) : null) ?? (key === null ? null : await accounts.findByLoginKey(uow.db, key));
  const serverKey = await findAuditKey(database.db, masterKey);
  const typed = [value, found?.username ?? null, found?.email ?? null].filter((v): v is string => v !== null);
  return {
    accountId: found?.id ?? (UUID.test(value) ? value.toLowerCase() : null),
    identifierHashes: serverKey === null ? [] : [...new Set(typed.map((v) => auditIdentifierHash(serverKey, v)))],
  };
}

/** Runs the command against an opened database; returns what to print. */
export async function runAudit(args: AuditArgs, database: OpenedDatabase, masterKey: MasterKey | null = null): Promise<string> {
  const who = args.account === null ? { accountId: null, identifierHashes: [] } : await resolveAccount(database, args.account, masterKey);
  const rows =
    args.account !== null && who.accountId === null && who.identifierHashes.length === 0
      ? []
      : await listAuditEvents(database.db, {
          accountId: who.accountId,
          identifierHashes: who.identifierHashes,
          ...(args.type !== null ? { type: args.type } : {}),
          ...(args.since !== null ? { since: args.since } : {}),
          limit: args.limit,
        });
  if (args.json) return jsonText(rows.map(auditEventView));
  return formatTable(rows);
}

// Stored values go to a terminal: control characters become '?' so none can forge output.
function clean(value: string | null): string {
  return (value ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function formatTable(rows: AuditEventRow[]): string {
  if (rows.length === 0) return 'no events';
  const header = ['TIME', 'TYPE', 'OUTCOME', 'SURFACE', 'ACCOUNT', 'IP', 'REQUEST ID', 'DETAIL'];
  const lines = rows.map((r) => [
    new Date(r.at).toISOString(),
    r.type,
    r.outcome,
    clean(r.surface),
    clean(r.account_id),
    clean(r.ip),
    clean(r.request_id),
    clean(r.detail),
  ]);
  return textTable([header, ...lines], { trimEnd: true });
}

/** The `latchkey audit` subcommand. */
export const auditCommand: Command = {
  help: [
    'Usage: latchkey audit [--account ID|USERNAME|EMAIL] [--type TYPE] [--since ISO] [--limit N] [--json]',
    '',
    'Prints the security events recorded at DATABASE_URL, newest first: time (UTC), type, outcome,',
    'surface, account id, client address, request id and detail. No password, token or cookie is',
    'ever recorded; what was typed at a login is kept only as a keyed hash.',
    '',
    '  --account X  events of this account (its id, username or email; a deleted account by its id),',
    '               including failed attempts typed with that name',
    `  --type T     only this type: ${AUDIT_EVENT_TYPES.join(', ')}`,
    '  --since ISO  only events at or after this UTC date or time (2026-11-01, 2026-11-01T08:30:00Z)',
    `  --limit N    at most N events (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`,
    '  --json       machine-readable output',
  ].join('\n'),
  async run(rawArgs) {
    const args = parseAuditArgs(rawArgs);
    const config = loadConfig();
    const database = await openMigratedDatabase(config);
    try {
      process.stdout.write(`${await runAudit(args, database, config.masterKey)}\n`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
