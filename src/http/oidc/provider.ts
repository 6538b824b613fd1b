/**
 * The OpenID Connect provider: oidc-provider (panva, OpenID Certified), configured so that only
 * what Latchkey needs is on (docs/decisions.md, "OpenID Connect provider"; docs/security.md):
 * authorization code flow with PKCE (S256) required of every client, refresh tokens rotated on
 * every use, userinfo, revocation and introspection, RP-initiated and back-channel logout. No
 * dynamic registration, no implicit or hybrid flow, no `none` algorithm, no symmetric (HS*)
 * signing, no development interactions. Its objects persist through the core (OidcAccess) into
 * Latchkey's database, so any node serves any request; it signs with Latchkey's key set.
 *
 * Every authorization goes through the hosted interaction page (interaction.ts), which answers
 * from Latchkey's cookie session: the provider's own session is never trusted on its own.
 */
import { createHmac } from 'node:crypto';
import Provider, { interactionPolicy, type Adapter, type AdapterPayload, type ClientMetadata, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountsService } from '../../core/accounts-service.js';
import { isClientSecret } from '../../core/oidc/clients.js';
import type { OidcAccess } from '../../core/oidc/access.js';
import { authenticatedAt } from '../../core/oidc/freshness.js';
import type { LogoutTokenSender, OidcClient } from '../../core/oidc/ports.js';
import type { PrivateJwk } from '../../core/oidc/keys.js';
import { sessionCookieIn, type CookieSettings } from '../cookies.js';
import { INTERACTION_PREFIX, OIDC_ROUTES } from './paths.js';
import type { OidcPages } from './pages.js';

export interface OidcProviderOptions {
  /** PUBLIC_URL, the issuer. */
  issuer: string;
  access: OidcAccess;
  /** Latchkey's live signing keys (EdDSA and RS256) at start-up, newest first within each algorithm. */
  keys: PrivateJwk[];
  /** The server secret shared by every node; the provider's cookie keys derive from it. */
  serverKey: string;
  /** Believe X-Forwarded-* (TRUST_PROXY is set). */
  proxy: boolean;
  /** The browser's live Latchkey cookie session, from a request's Cookie header, or null; `authTime` in seconds. */
  visitor: (cookieHeader: string) => Promise<{ accountId: string; sessionId: string; authTime: number } | null>;
  /** Its own pages (errors, logout confirmation, signed out) in the brand and the visitor's language. */
  pages: OidcPages;
}

/**
 * The provider serving now. oidc-provider takes its keys when it is built, so a change of
 * Latchkey's key set (`latchkey keys rotate`, `retire`, on any node) builds a new provider with
 * the new keys, which takes over the next request; its objects are in the database and its
 * cookie keys derive from the server secret, so sign-ins in progress carry on.
 */
export interface OidcProviderSource {
  /** The provider serving now. */
  current(): Provider;
  /** The Koa callback of the provider serving now. */
  callback(): ReturnType<Provider['callback']>;
  /** Runs `setup` on the provider now and on every later one (event listeners, middleware); before the first request. */
  onBuilt(setup: (provider: Provider) => void): void;
  /** Builds a new provider when `keys` differ from the ones in use; true when it did. */
  useKeys(keys: PrivateJwk[]): boolean;
  /** Signs (the provider's own logout token) and posts one queued notice; throws unless the client answered 200. */
  sendLogoutToken: LogoutTokenSender;
}

type PostLogoutToken = (this: unknown, sub: string, sid?: string) => Promise<void>;

/** The client metadata oidc-provider validates, from a registered client. */
export function clientMetadata(client: OidcClient): ClientMetadata {
  return {
    client_id: client.id,
    client_name: client.name,
    ...(client.secretHash === null
      ? { token_endpoint_auth_method: 'none' }
      : { client_secret: client.secretHash, token_endpoint_auth_method: 'client_secret_basic' }),
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.backchannelLogoutUri === null ? {} : { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: client.idTokenAlg,
  };
}

function adapterClass(access: OidcAccess): new (name: string) => Adapter {
  const { payloads } = access;
  const withConsumed = (record: { payload: Record<string, unknown>; consumedAt: number | null } | null): AdapterPayload | undefined =>
    record === null ? undefined : ({ ...record.payload, ...(record.consumedAt === null ? {} : { consumed: Math.floor(record.consumedAt / 1000) }) } as AdapterPayload);
  return class LatchkeyAdapter implements Adapter {
    constructor(private readonly name: string) {}
    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      await payloads.upsert(this.name, id, payload as Record<string, unknown>, expiresIn);
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.name === 'Client') {
        const client = await access.findClient(id);
        return client === null ? undefined : (clientMetadata(client) as AdapterPayload);
      }
      return withConsumed(await payloads.find(this.name, id));
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await payloads.findByUid(this.name, uid));
    }
    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await payloads.findByUserCode(this.name, userCode));
    }
    async consume(id: string): Promise<void> {
      await payloads.consume(this.name, id);
    }
    async destroy(id: string): Promise<void> {
      await payloads.destroy(this.name, id);
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      await payloads.revokeByGrantId(grantId);
    }
  };
}

/**
 * Latchkey's cookie session decides who is signed in: the login prompt is skipped only when
 * resuming from the hosted interaction, or when the browser's live Latchkey session is the one
 * this client's grant was given under (same account): then the app gets its code with no page
 * at all, which is what `prompt=none` asks for, and the provider session's login time is that
 * Latchkey session's (the interaction passed it as `ts`), so the id token's `auth_time` and the
 * library's own `max_age` check read the Latchkey login. Anything else needs the interaction,
 * and with `prompt=none` the app gets `login_required`.
 */
function latchkeyPolicy(access: OidcAccess, visitor: OidcProviderOptions['visitor']): interactionPolicy.Prompt[] {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider has no login prompt');
  const { NO_NEED_TO_PROMPT, REQUEST_PROMPT } = interactionPolicy.Check;
  login.checks.unshift(
    new interactionPolicy.Check('latchkey_session', 'the Latchkey session decides who is signed in', 'login_required', async (ctx: KoaContextWithOIDC) => {
      if (ctx.oidc.result?.login) return NO_NEED_TO_PROMPT;
      const accountId = ctx.oidc.session?.accountId;
      const grantId = ctx.oidc.client ? ctx.oidc.session?.grantIdFor(ctx.oidc.client.clientId) : undefined;
      if (!accountId || !grantId) return REQUEST_PROMPT;
      const live = await visitor(ctx.get('cookie'));
      if (live === null || live.accountId !== accountId || ctx.oidc.session?.authTime() !== live.authTime) return REQUEST_PROMPT;
      return (await access.isGrantOfSession(grantId, live.sessionId)) ? NO_NEED_TO_PROMPT : REQUEST_PROMPT;
    }),
  );
  return policy;
}

/**
 * Back-channel logout: the provider's end_session does not post logout tokens itself; it queues
 * them in the outbox (src/core/oidc/logout-notices.ts), whose sender posts them with the
 * provider's own method, so a failed or interrupted send is retried.
 */
function queueBackchannelLogouts(provider: Provider, access: OidcAccess): PostLogoutToken {
  type Client = { clientId: string; backchannelLogout: PostLogoutToken };
  const proto = provider.Client.prototype as unknown as Client;
  const post = proto.backchannelLogout;
  proto.backchannelLogout = async function queue(this: Client, sub: string, sid?: string): Promise<void> {
    await access.queueLogoutNotice(this.clientId, sub, sid ?? null);
  } as PostLogoutToken;
  return post;
}

function keySetId(keys: readonly PrivateJwk[]): string {
  return keys.map((k) => k.kid).join(' ');
}

/** The provider (rebuilt when the key set changes) and the sender of its queued logout tokens. */
export function createOidcProvider(options: OidcProviderOptions): OidcProviderSource {
  const setups: Array<(provider: Provider) => void> = [];
  const posts = new WeakMap<Provider, PostLogoutToken>();
  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  const build = (keys: PrivateJwk[]): Provider => {
    const provider = buildProvider(options, keys);
    posts.set(provider, queueBackchannelLogouts(provider, options.access));
    for (const setup of setups) setup(provider);
    return provider;
  };
  let current = build(options.keys);
  let currentKeys = keySetId(options.keys);
  return {
    current: () => current,
    callback() {
      let callback = callbacks.get(current);
      if (!callback) callbacks.set(current, (callback = current.callback()));
      return callback;
    },
    onBuilt(setup) {
      setups.push(setup);
      setup(current);
    },
    useKeys(keys) {
      if (keys.length === 0 || keySetId(keys) === currentKeys) return false;
      current = build(keys);
      currentKeys = keySetId(keys);
      return true;
    },
    async sendLogoutToken(notice) {
      const provider = current;
      const client = (await provider.Client.find(notice.clientId)) as unknown as { backchannelLogoutUri?: string } | undefined;
      if (!client?.backchannelLogoutUri) return; // revoked since, or no longer told: nothing to send
      await (posts.get(provider) as PostLogoutToken).call(client, notice.accountId, notice.sid ?? undefined);
    },
  };
}

/** Builds one provider with `keys` (it is not listening: index.ts forwards requests to its callback). */
function buildProvider(options: OidcProviderOptions, keys: PrivateJwk[]): Provider {
  const { access } = options;
  const cookieKey = createHmac('sha256', options.serverKey).update('oidc-provider-cookies').digest('base64url');
  const configuration: Configuration = {
    adapter: adapterClass(access),
    async findAccount(_ctx, sub) {
      const claims = await access.accountClaims(sub);
      return claims === null ? undefined : { accountId: sub, claims: async () => ({ ...claims }) };
    },
    claims: { amr: null, acr: null, auth_time: null, sid: null, openid: ['sub', 'amr', 'auth_time'], email: ['email', 'email_verified'], profile: ['preferred_username'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientAuthMethods: ['none', 'client_secret_basic'],
    enabledJWA: {
      idTokenSigningAlgValues: ['EdDSA', 'RS256'],
      userinfoSigningAlgValues: ['EdDSA', 'RS256'],
      introspectionSigningAlgValues: ['EdDSA', 'RS256'],
      authorizationSigningAlgValues: ['EdDSA', 'RS256'],
      requestObjectSigningAlgValues: ['EdDSA', 'RS256'],
      clientAuthSigningAlgValues: ['EdDSA', 'RS256'],
    },
    jwks: { keys: keys as never },
    // Its only outgoing requests are back-channel logout tokens, to URIs an operator registered
    // (https, or http on loopback: src/core/oidc/clients.ts), often on an internal address: the
    // library's block of special-use addresses is for dynamically registered clients, which are off.
    fetch: (url, init) => fetch(url, { ...init, dispatcher: undefined } as RequestInit),
    cookies: { keys: [cookieKey] },
    routes: OIDC_ROUTES,
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PREFIX}${interaction.uid}`, policy: latchkeyPolicy(access, options.visitor) },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => options.pages.logout(ctx, form),
        postLogoutSuccessSource: async (ctx) => options.pages.signedOut(ctx),
      },
    },
    // Refresh tokens for every client allowed the grant, rotated at every use (a reused one ends the grant).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // A browser app may call the token endpoint from its own origin: CORS for its registered redirect origins only.
    clientBasedCORS: (_ctx, origin, client) => client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 900,
      IdToken: 3600,
      RefreshToken: 14 * 86_400,
      Interaction: 600,
      Session: 14 * 86_400,
      Grant: 14 * 86_400,
    },
    renderError: async (ctx, out) => options.pages.error(ctx, out),
  };
  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.proxy;
  // Only the SHA-256 of a client secret is stored (src/core/oidc/clients.ts): compare by hash.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string): boolean {
    return typeof this.clientSecret === 'string' && isClientSecret(this.clientSecret, actual);
  } as never;
  return provider;
}

/** The `visitor` option over the accounts service: the live session named by the session cookie. */
export function cookieVisitor(service: Pick<AccountsService, 'resolveCookieSession'>, settings: CookieSettings): OidcProviderOptions['visitor'] {
  return async (cookieHeader) => {
    const secret = sessionCookieIn(cookieHeader, settings);
    const found = secret === null ? null : await service.resolveCookieSession(secret);
    return found === null ? null : { accountId: found.account.id, sessionId: found.session.id, authTime: authenticatedAt(found.session) };
  };
}
