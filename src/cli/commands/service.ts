/**
 * `latchkey service add NAME [--rate-limit N] [--json]`, `latchkey service list [--json]` and
 * `latchkey service revoke NAME|ID [--json]`: the keys back-end services use for
 * `POST /api/v1/introspect`. Opens DATABASE_URL directly (no server needed); the schema must
 * be migrated. `add` prints the key once; only its hash is stored.
 */
import type { ServiceKey } from '../../core/ports.js';
import {
  addServiceKey,
  DEFAULT_SERVICE_RATE_LIMIT,
  listServiceKeys,
  revokeServiceKey,
  type ServiceKeyDeps,
} from '../../core/services/service-keys.js';
import { createServiceKeyStore } from '../../store/service-keys.js';
import { systemClock } from '../core-wiring.js';
import { UsageError, type Command } from '../command.js';
import { runAudited } from '../audited-database.js';
import type { ClientContext } from '../../core/deps.js';

/** The audit context of these commands: no address, no request. */
const CLI_CONTEXT: ClientContext = { ip: null, userAgent: null, surface: 'cli' };

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

function expectOne(rest: string[], what: string): string {
  const positional = rest.filter((a) => !a.startsWith('-'));
  const flag = rest.find((a) => a.startsWith('-'));
  if (flag !== undefined) throw new UsageError(`unexpected argument "${flag.slice(0, 64)}"`);
  if (positional.length === 0) throw new UsageError(`${what} is missing`);
  if (positional.length > 1) throw new UsageError(`unexpected argument "${(positional[1] as string).slice(0, 64)}"`);
  return positional[0] as string;
}

/** Parses the arguments after `service`; throws UsageError for anything else. */
export function parseServiceArgs(args: string[]): ServiceArgs {
  const [action, ...rest] = args;
  const json = rest.includes('--json');
  const others = rest.filter((a) => a !== '--json');
  if (action === 'list') {
    if (others.length) throw new UsageError(`unexpected argument "${(others[0] as string).slice(0, 64)}"`);
    return { action: 'list', json };
  }
  if (action === 'revoke') return { action: 'revoke', json, target: expectOne(others, 'service revoke needs a NAME or ID') };
  if (action !== 'add') {
    throw new UsageError(action === undefined ? 'say add, list or revoke (see --help)' : `unknown action "${action.slice(0, 64)}" (add, list or revoke)`);
  }
  const index = others.indexOf('--rate-limit');
  let rateLimit: number | undefined;
  if (index >= 0) {
    const value = others[index + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError('--rate-limit needs a value');
    if (!/^[1-9]\d{0,6}$/.test(value)) throw new UsageError(`--rate-limit must be a whole number of requests per minute from 1 to 1000000 (got "${value.slice(0, 40)}")`);
    rateLimit = Number(value);
    others.splice(index, 2);
  }
  const name = expectOne(others, 'service add needs a NAME');
  return rateLimit === undefined ? { action: 'add', json, name } : { action: 'add', json, name, rateLimit };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function toJson(k: ServiceKey): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    status: k.revokedAt === null ? 'live' : 'revoked',
    rateLimit: k.rateLimit,
    createdAt: iso(k.createdAt),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}

function table(keys: ServiceKey[]): string {
  if (keys.length === 0) return 'no service keys';
  const rows = [
    ['ID', 'NAME', 'STATUS', 'RATE/MIN', 'CREATED', 'LAST USED'],
    ...keys.map((k) => [k.id, k.name, k.revokedAt === null ? 'live' : 'revoked', String(k.rateLimit), iso(k.createdAt) ?? '', iso(k.lastUsedAt) ?? 'never']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ')).join('\n');
}

async function runParsed(deps: ServiceKeyDeps, parsed: ServiceArgs): Promise<string> {
  if (parsed.action === 'list') {
    const keys = await listServiceKeys(deps);
    return parsed.json ? JSON.stringify(keys.map(toJson), null, 2) : table(keys);
  }
  if (parsed.action === 'revoke') {
    const key = await revokeServiceKey(deps, parsed.target, CLI_CONTEXT);
    return parsed.json ? JSON.stringify(toJson(key)) : `revoked service key ${key.name} (${key.id}); it stops working at once`;
  }
  const { key, credential } = await addServiceKey(deps, parsed.name, parsed.rateLimit === undefined ? {} : { rateLimit: parsed.rateLimit }, CLI_CONTEXT);
  if (parsed.json) return JSON.stringify({ ...toJson(key), key: credential, notice: 'this key will not be shown again' });
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
