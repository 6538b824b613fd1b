/**
 * `latchkey service add NAME [--rate-limit N] [--json]`, `latchkey service list [--json]` and
 * `latchkey service revoke NAME|ID [--json]`: the keys back-end services use for
 * `POST /api/v1/introspect`. Opens DATABASE_URL directly (no server needed); the schema must
 * be migrated. `add` prints the key once; only its hash is stored.
 */
import type { ServiceKey } from '../../core/service-access/ports.js';
import {
  addServiceKey,
  DEFAULT_SERVICE_RATE_LIMIT,
  listServiceKeys,
  revokeServiceKey,
  type ServiceKeyDeps,
} from '../../core/service-access/service-keys.js';
import { createServiceKeyStore } from '../../store/service-keys.js';
import { systemClock } from '../core-wiring.js';
import { noPositional, onePositional, parseAction, shown } from '../args.js';
import { CLI_CONTEXT, jsonText, textTable, UsageError, type Command } from '../command.js';
import { runAudited } from '../audited-database.js';
import { isoTime } from '../../core/time.js';


export type ServiceArgs =
  | { action: 'add'; json: boolean; name: string; rateLimit?: number }
  | { action: 'list'; json: boolean }
  | { action: 'revoke'; json: boolean; target: string };

const HELP = `Usage:
  latchkey service add NAME [--rate-limit N] [--json]
  latchkey service list [--json]
  latchkey service revoke NAME|ID [--json]

Keys for back-end services calling POST /api/v1/introspect (see docs/integration.md).
add     creates a key for the service NAME (lower-case letters, digits, ".", "_", "-";
        starting with a letter) and prints it once: it is never shown again, since only
        its hash is stored. Names are unique among keys that are not revoked.
        --rate-limit N   introspection requests allowed per minute (default ${DEFAULT_SERVICE_RATE_LIMIT})
list    prints every key (never a secret), newest first, revoked ones too.
revoke  revokes the live key named NAME, or the key with id ID; it stops working at once.
--json  prints JSON instead of text.`;

/** Parses the arguments after `service`; throws UsageError for anything else. */
export function parseServiceArgs(args: string[]): ServiceArgs {
  const { action, flags } = parseAction(args, args[0] === 'add' ? { values: ['--rate-limit'], switches: ['--json'] } : { switches: ['--json'] });
  const json = flags.switches.has('--json');
  if (action === 'list') {
    noPositional(flags);
    return { action: 'list', json };
  }
  if (action === 'revoke') return { action: 'revoke', json, target: onePositional(flags, 'service revoke needs a NAME or ID') };
  if (action !== 'add') {
    throw new UsageError(action === undefined ? 'say add, list or revoke (see --help)' : `unknown action ${shown(action)} (add, list or revoke)`);
  }
  const value = flags.values.get('--rate-limit');
  if (value !== undefined && !/^[1-9]\d{0,6}$/.test(value)) {
    throw new UsageError(`--rate-limit must be a whole number of requests per minute from 1 to 1000000 (got ${shown(value.slice(0, 40))})`);
  }
  const name = onePositional(flags, 'service add needs a NAME');
  return value === undefined ? { action: 'add', json, name } : { action: 'add', json, name, rateLimit: Number(value) };
}


function toJson(k: ServiceKey): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    status: k.revokedAt === null ? 'live' : 'revoked',
    rateLimit: k.rateLimit,
    createdAt: isoTime(k.createdAt),
    lastUsedAt: isoTime(k.lastUsedAt),
    revokedAt: isoTime(k.revokedAt),
  };
}

function table(keys: ServiceKey[]): string {
  if (keys.length === 0) return 'no service keys';
  const rows = [
    ['ID', 'NAME', 'STATUS', 'RATE/MIN', 'CREATED', 'LAST USED'],
    ...keys.map((k) => [k.id, k.name, k.revokedAt === null ? 'live' : 'revoked', String(k.rateLimit), isoTime(k.createdAt) ?? '', isoTime(k.lastUsedAt) ?? 'never']),
  ];
  return textTable(rows);
}

async function runParsed(deps: ServiceKeyDeps, parsed: ServiceArgs): Promise<string> {
  if (parsed.action === 'list') {
    const keys = await listServiceKeys(deps);
    return parsed.json ? jsonText(keys.map(toJson)) : table(keys);
  }
  if (parsed.action === 'revoke') {
    const key = await revokeServiceKey(deps, parsed.target, CLI_CONTEXT);
    return parsed.json ? jsonText(toJson(key)) : `revoked service key ${key.name} (${key.id}); it stops working at once`;
  }
  const { key, credential } = await addServiceKey(deps, parsed.name, parsed.rateLimit === undefined ? {} : { rateLimit: parsed.rateLimit }, CLI_CONTEXT);
  if (parsed.json) return jsonText({ ...toJson(key), key: credential, notice: 'this key will not be shown again' });
  return [
    `service key for ${key.name} (id ${key.id}, ${key.rateLimit} requests a minute):`,
    credential,
    'Store it now: it will not be shown again (Latchkey keeps only its hash).',
  ].join('\n');
}

export const serviceCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseServiceArgs(args);
    // Adding and revoking are audit events (service_key_add / service_key_revoke), stored as rows like the user commands'.
    return runAudited((stores, audit) => runParsed({ uow: stores.uow, clock: systemClock, audit, serviceKeys: createServiceKeyStore() }, parsed));
  },
};
