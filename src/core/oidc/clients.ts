/**
 * OIDC clients (relying parties), registered by operators only (`latchkey client`, the admin
 * API): there is no dynamic registration. A confidential client gets a 256-bit secret from the
 * OS CSPRNG, shown once; only its SHA-256 is stored, so a database dump authenticates no client.
 * A public client (a single-page or mobile app) has no secret and must use PKCE (S256).
 * Redirect URIs are matched exactly by the provider; here they must be absolute https URLs, or
 * http on a loopback host (RFC 8252 native apps and development), with no fragment.
 */
import { randomBytes } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { ClientContext } from '../ports.js';
import { hashSecret, newSecret, sameText } from '../credentials/secrets.js';
import { AuthError } from '../errors.js';
import { isoTime } from '../time.js';
import { isClientAudience } from '../tokens/audience.js';
import type { OidcClient, OidcClientStore } from './ports.js';

/** What the client-management flows need: the CLI and the admin API build only these. */
export type OidcClientDeps = Pick<CoreDeps, 'uow' | 'clock' | 'audit'> & { oidcClients: OidcClientStore };

export interface OidcClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string | null;
  /** No secret: a browser or native app, PKCE required. */
  public?: boolean;
  /** The operator's own app: no consent screen. */
  firstParty?: boolean;
  /** The id token's algorithm; EdDSA unless the client verifies RS256 only. */
  idTokenAlg?: 'EdDSA' | 'RS256';
}

/** A client just registered, with the only copy of its secret (null for a public client). */
export interface NewOidcClient {
  client: OidcClient;
  secret: string | null;
}

const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/;
const ID_SHAPE = /^lkc_[A-Za-z0-9_-]{22}$/;
const MAX_URIS = 20;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

function invalid(field: string, message: string): AuthError {
  return new AuthError('INVALID_INPUT', message, { field });
}

/** Why `uri` cannot be a redirect URI, or null when it can. */
export function redirectUriProblem(uri: string): string | null {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash !== '' || uri.includes('#')) return 'must not have a fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return null;
  return 'must use https (http only on localhost, 127.0.0.1 or [::1])';
}

function checkUris(field: string, uris: string[], required: boolean): void {
  if (required && uris.length === 0) throw invalid(field, `at least one ${field} is needed`);
  if (uris.length > MAX_URIS) throw invalid(field, `at most ${MAX_URIS} of ${field}`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw invalid(field, `${field} "${uri.slice(0, 80)}" ${problem}`);
  }
}

/** True when `value` is shaped like a client id. */
export function isOidcClientId(value: string): boolean {
  return ID_SHAPE.test(value);
}

/** Registers a client; INVALID_INPUT for a bad name or URI. The `oidc_client_add` event is written in the same transaction. */
export async function registerOidcClient(deps: OidcClientDeps, input: OidcClientInput, ctx?: ClientContext): Promise<NewOidcClient> {
  if (!NAME_SHAPE.test(input.name)) throw invalid('name', 'a client name is 1 to 63 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  checkUris('redirect_uri', input.redirectUris, true);
  const postLogout = input.postLogoutRedirectUris ?? [];
  checkUris('post_logout_redirect_uri', postLogout, false);
  const backchannel = input.backchannelLogoutUri ?? null;
  if (backchannel !== null) checkUris('backchannel_logout_uri', [backchannel], true);
  const id = `lkc_${randomBytes(16).toString('base64url')}`;
  if (!isClientAudience(id)) throw new Error('a client id collided with the first-party audience');
  const secret = input.public ? null : newSecret();
  const client: OidcClient = {
    id,
    name: input.name,
    secretHash: secret === null ? null : hashSecret(secret),
    redirectUris: [...new Set(input.redirectUris)],
    postLogoutRedirectUris: [...new Set(postLogout)],
    backchannelLogoutUri: backchannel,
    firstParty: input.firstParty === true,
    idTokenAlg: input.idTokenAlg ?? 'EdDSA',
    createdAt: deps.clock.now(),
    revokedAt: null,
  };
  await deps.uow.transaction(async (tx) => {
    await deps.oidcClients.insert(tx, client);
    await deps.audit.record(tx, { type: 'oidc_client_add', outcome: 'success', ctx, detail: { client_id: id, public: secret === null } });
  });
  return { client, secret };
}

/** Every client, newest first, revoked ones too. */
export async function listOidcClients(deps: OidcClientDeps): Promise<OidcClient[]> {
  return deps.oidcClients.list(deps.uow.db);
}

/** Revokes a client: its tokens stop working and it can start no new sign-in. NOT_FOUND when unknown or revoked already. */
export async function revokeOidcClient(deps: OidcClientDeps, id: string, ctx?: ClientContext): Promise<OidcClient> {
  return deps.uow.transaction(async (tx) => {
    if (!(await deps.oidcClients.revoke(tx, id, deps.clock.now()))) throw new AuthError('NOT_FOUND', `no live client with id "${id.slice(0, 64)}"`);
    await deps.audit.record(tx, { type: 'oidc_client_revoke', outcome: 'success', ctx, detail: { client_id: id } });
    return (await deps.oidcClients.findById(tx, id)) as OidcClient;
  });
}

/** Whether `presented` is the secret of a client whose stored hash is `secretHash` (constant time). */
export function isClientSecret(secretHash: string, presented: string): boolean {
  return presented.length <= 200 && sameText(hashSecret(presented), secretHash);
}

/** A client as the CLI's --json and the admin API show it (never a secret or its hash). */
export function oidcClientRecord(c: OidcClient): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    status: c.revokedAt === null ? 'live' : 'revoked',
    type: c.secretHash === null ? 'public' : 'confidential',
    firstParty: c.firstParty,
    redirectUris: c.redirectUris,
    postLogoutRedirectUris: c.postLogoutRedirectUris,
    backchannelLogoutUri: c.backchannelLogoutUri,
    idTokenAlg: c.idTokenAlg,
    createdAt: isoTime(c.createdAt),
    revokedAt: isoTime(c.revokedAt),
  };
}
