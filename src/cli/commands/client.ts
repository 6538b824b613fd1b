/**
 * `latchkey client add NAME --redirect-uri URI [--redirect-uri URI ...] [--public] [--first-party]
 * [--post-logout-redirect-uri URI ...] [--backchannel-logout-uri URI] [--rs256] [--json]`,
 * `latchkey client list [--json]`, `latchkey client revoke ID [--json]`: the OpenID Connect
 * clients (README, "Sign in with Latchkey"). Opens DATABASE_URL directly; the schema must be
 * migrated. `add` prints a confidential client's secret once; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { listOidcClients, oidcClientRecord, registerOidcClient, revokeOidcClient, type OidcClientDeps, type OidcClientInput } from '../../core/oidc/clients.js';
import type { OidcClient } from '../../core/oidc/ports.js';
import { createOidcClientStore } from '../../store/oidc-clients.js';
import { isoTime } from '../../core/time.js';
import { CLI_CONTEXT, jsonText, textTable, UsageError, type Command } from '../command.js';
import { runAudited } from '../audited-database.js';
import { systemClock } from '../core-wiring.js';

export type ClientArgs =
  | { action: 'add'; json: boolean; input: OidcClientInput }
  | { action: 'list'; json: boolean }
  | { action: 'revoke'; json: boolean; id: string };

const HELP = `Usage:
  latchkey client add NAME --redirect-uri URI [--redirect-uri URI ...] [--public] [--first-party]
                      [--post-logout-redirect-uri URI ...] [--backchannel-logout-uri URI] [--rs256] [--json]
  latchkey client list [--json]
  latchkey client revoke ID [--json]

OpenID Connect clients (apps that sign users in with Latchkey; OIDC_PROVIDER=on, docs/integration.md).
add     registers the app NAME. Redirect URIs are matched exactly; https, or http on localhost.
        A confidential client gets a secret, printed once (only its hash is stored).
        --public        no secret (a browser or mobile app); it must use PKCE (S256)
        --first-party   your own app: users are not asked for consent
        --post-logout-redirect-uri URI   where RP-initiated logout may send the user back
        --backchannel-logout-uri URI     told of logouts (OpenID Connect Back-Channel Logout)
        --rs256         sign its id tokens with RS256 instead of EdDSA (for clients that verify RS256 only)
list    prints every client (never a secret), newest first, revoked ones too.
revoke  revokes the client ID: it can start no sign-in, its tokens stop working.
--json  prints JSON instead of text.`;

/** Parses the arguments after `client`; throws UsageError for anything else. */
export function parseClientArgs(args: string[]): ClientArgs {
  const [action, ...rest] = args;
  let parsed: ReturnType<typeof parse>;
  const parse = (argv: string[]) =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        'redirect-uri': { type: 'string', multiple: true },
        'post-logout-redirect-uri': { type: 'string', multiple: true },
        'backchannel-logout-uri': { type: 'string' },
        public: { type: 'boolean' },
        'first-party': { type: 'boolean' },
        rs256: { type: 'boolean' },
      },
    });
  try {
    parsed = parse(rest);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'bad arguments');
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  const addOnly = ['redirect-uri', 'post-logout-redirect-uri', 'backchannel-logout-uri', 'public', 'first-party', 'rs256'] as const;
  if (action !== 'add') {
    const stray = addOnly.find((name) => values[name] !== undefined);
    if (stray) throw new UsageError(`--${stray} is only for client add`);
  }
  if (action === 'list') {
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]!.slice(0, 64)}"`);
    return { action: 'list', json };
  }
  if (action === 'revoke') {
    if (positionals.length !== 1) throw new UsageError('client revoke needs one client ID');
    return { action: 'revoke', json, id: positionals[0]! };
  }
  if (action !== 'add') throw new UsageError(action === undefined ? 'say add, list or revoke (see --help)' : `unknown action "${action.slice(0, 64)}" (add, list or revoke)`);
  if (positionals.length !== 1) throw new UsageError('client add needs one NAME (quote a name with spaces)');
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length === 0) throw new UsageError('client add needs at least one --redirect-uri');
  const input: OidcClientInput = {
    name: positionals[0]!,
    redirectUris,
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    backchannelLogoutUri: values['backchannel-logout-uri'] ?? null,
    public: values.public === true,
    firstParty: values['first-party'] === true,
    idTokenAlg: values.rs256 === true ? 'RS256' : 'EdDSA',
  };
  return { action: 'add', json, input };
}

function table(clients: OidcClient[]): string {
  if (clients.length === 0) return 'no OIDC clients';
  const rows = [
    ['ID', 'NAME', 'STATUS', 'TYPE', 'CONSENT', 'REDIRECT URIS'],
    ...clients.map((c) => [c.id, c.name, c.revokedAt === null ? 'live' : 'revoked', c.secretHash === null ? 'public' : 'confidential', c.firstParty ? 'skipped' : 'asked', c.redirectUris.join(' ')]),
  ];
  return textTable(rows);
}

async function runParsed(deps: OidcClientDeps, parsed: ClientArgs): Promise<string> {
  if (parsed.action === 'list') {
    const clients = await listOidcClients(deps);
    return parsed.json ? jsonText(clients.map(oidcClientRecord)) : table(clients);
  }
  if (parsed.action === 'revoke') {
    const client = await revokeOidcClient(deps, parsed.id, CLI_CONTEXT);
    return parsed.json ? JSON.stringify(oidcClientRecord(client)) : `revoked client ${client.name} (${client.id}); its sign-ins and tokens stop working at once`;
  }
  const { client, secret } = await registerOidcClient(deps, parsed.input, CLI_CONTEXT);
  if (parsed.json) return JSON.stringify({ ...oidcClientRecord(client), ...(secret === null ? {} : { secret, notice: 'this secret will not be shown again' }) });
  const lines = [`client ${client.name}: client_id ${client.id}`];
  if (secret !== null) lines.push(`client_secret ${secret}`, 'Store the secret now: it will not be shown again (Latchkey keeps only its hash).');
  else lines.push('public client: no secret; it must use PKCE (S256).');
  return lines.join('\n');
}

export const clientCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseClientArgs(args);
    return runAudited((stores, audit) => runParsed({ uow: stores.uow, clock: systemClock, audit, oidcClients: createOidcClientStore() }, parsed));
  },
};
