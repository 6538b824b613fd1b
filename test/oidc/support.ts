/**
 * A listening Latchkey with the OpenID Connect provider on (openid-client makes real HTTP
 * requests), a registered client, and a small cookie-keeping user agent that signs in through
 * the hosted interaction page the way a browser would (the Chromium test drives a real one).
 */
import * as oidc from 'openid-client';
import { createTestInstance, type TestInstance, type TestInstanceOptions } from '../support/instance.js';
import { freePort } from '../support/free-port.js';
import { registerOidcClient, type OidcClientInput, type NewOidcClient } from '../../src/core/oidc/clients.js';
import { createOidcClientStore } from '../../src/store/oidc-clients.js';

export const PASSWORD = 'correct horse battery staple';

export interface OidcInstance extends TestInstance {
  issuer: string;
  /** Registers a client as `latchkey client add` does. */
  addClient(input: OidcClientInput): Promise<NewOidcClient>;
}

/** A Latchkey listening on a loopback port with OIDC_PROVIDER=on; PUBLIC_URL is that address. */
export async function startOidcInstance(options: TestInstanceOptions = {}): Promise<OidcInstance> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const t = await createTestInstance({ hasher: 'fast', ...options, env: { OIDC_PROVIDER: 'on', PUBLIC_URL: issuer, ...options.env } });
  await t.app.listen({ port, host: '127.0.0.1' });
  const l = t.latchkey;
  return {
    ...t,
    issuer,
    addClient: (input) => registerOidcClient({ uow: l.stores.uow, clock: l.clock, audit: l.audit, oidcClients: createOidcClientStore() }, input),
  };
}

/** A user agent: keeps cookies per name (one origin), follows nothing on its own. */
export class Agent {
  readonly cookies = new Map<string, string>();
  /** Where requests to the issuer's origin really go (a node of a cluster); null: to the issuer. */
  node: string | null = null;

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (init.method === 'POST') headers.origin = new URL(url).origin;
    const target = this.node === null ? url : `${this.node}${new URL(url).pathname}${new URL(url).search}`;
    const res = await fetch(target, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** `url` with a cluster node's own origin (it names itself in some redirects) put back to the issuer's. */
  asIssuer(url: string, issuer: string): string {
    const u = new URL(url);
    return this.node !== null && u.origin === new URL(this.node).origin ? `${issuer}${u.pathname}${u.search}` : url;
  }

  /** Follows GET redirects from `url` until one leaves `origin` or a page answers; returns that last response and its URL. */
  async follow(url: string, origin: string): Promise<{ res: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops += 1) {
      const res = await this.request(current);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      current = this.asIssuer(new URL(location, current).toString(), origin);
      if (new URL(current).origin !== origin) return { res, url: current };
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }
}

/** Pulls a hidden form field's value out of a page. */
export function hiddenField(page: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]+)"`).exec(page);
  if (!match?.[1]) throw new Error(`no ${name} field in the page`);
  return match[1];
}

/** A form's action in a page. */
export function formAction(page: string, contains: string): string {
  const match = new RegExp(`action="([^"]*${contains}[^"]*)"`).exec(page);
  if (!match?.[1]) throw new Error(`no form posting to *${contains}* in the page`);
  return match[1];
}

export interface AuthorizationRun {
  /** Where the provider finally sent the browser: the app's redirect URI with code or error. */
  callback: URL;
  verifier: string;
  state: string;
  nonce: string;
  /** The path of each page of Latchkey's that asked for a form on the way ('/login', '/oidc/interaction/…'); empty when none did. */
  pages: string[];
}

/** Every hidden field of a page, by name (HTML entities undone). */
export function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[m[1] as string] = (m[2] as string).replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#96;/g, '`').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return fields;
}

export interface AuthorizeOptions {
  username?: string;
  scope?: string;
  consent?: 'allow' | 'deny';
  extra?: Record<string, string>;
  /** The second step's code (an account with a second factor); asked for when /login answers the second-step page. */
  code?: () => string;
}

/** The form a page of the sign-in asks to fill (consent, second step or login), with its fields filled in. */
function fillForm(page: string, options: AuthorizeOptions): { action: string; form: Record<string, string> } {
  // The provider's own self-submitting form (a browser's script posts it): its logout of the previous account on an account switch.
  if (page.includes('<title>Submitting Callback</title>')) {
    const fields = Object.fromEntries([...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1] as string, m[2] as string]));
    return { action: formAction(page, '/oidc/'), form: fields };
  }
  const hidden = hiddenFields(page);
  if (page.includes('/consent"')) return { action: formAction(page, '/consent'), form: { ...hidden, decision: options.consent ?? 'allow' } };
  if (page.includes('action="/login/mfa"')) {
    if (!options.code) throw new Error('the login asked for a second factor and the test gave no code');
    return { action: '/login/mfa', form: { ...hidden, code: options.code() } };
  }
  return { action: formAction(page, '/login'), form: { ...hidden, username: options.username ?? 'alice', password: PASSWORD } };
}

/**
 * Starts an authorization (code + PKCE S256) with openid-client, signs in on the hosted /login
 * page it is sent to (unless the agent's Latchkey session is live; with a second step when the
 * account has one) and consents when asked; returns the callback URL.
 */
export async function authorize(config: oidc.Configuration, agent: Agent, issuer: string, redirectUri: string, options: AuthorizeOptions = {}): Promise<AuthorizationRun> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: options.scope ?? 'openid email profile offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...options.extra,
  });
  let step = await agent.follow(url.toString(), issuer);
  let page = await step.res.text();
  const pages: string[] = [];
  for (; pages.length < 4 && new URL(step.url).origin === issuer; ) {
    if (step.res.status !== 200) throw new Error(`the provider answered ${step.res.status}: ${page.slice(0, 400)}${page.match(/<main[\s\S]*<\/main>/)?.[0] ?? ''}`);
    pages.push(new URL(step.url).pathname);
    const { action, form } = fillForm(page, options);
    const posted = await agent.request(new URL(action, issuer).toString(), { method: 'POST', form });
    const location = posted.headers.get('location');
    if (!location) {
      // A page answered the form itself (the second step, or a refusal).
      step = { res: posted, url: step.url };
      page = await posted.text();
      continue;
    }
    const next = agent.asIssuer(new URL(location, issuer).toString(), issuer);
    step = new URL(next).origin === issuer ? await agent.follow(next, issuer) : { res: posted, url: next };
    page = await step.res.text();
  }
  if (new URL(step.url).origin === issuer) throw new Error(`still on Latchkey after the pages ${pages.join(', ')}: ${step.url}`);
  return { callback: new URL(step.url), verifier, state, nonce, pages };
}

/** openid-client's configuration for a client of `issuer` (plain http allowed: tests only, on loopback). */
export async function discover(issuer: string, clientId: string, secret: string | null, options: { node?: () => string } = {}): Promise<oidc.Configuration> {
  const auth = secret === null ? oidc.None() : oidc.ClientSecretBasic(secret);
  // `node`: send every request for the issuer to that node of a cluster instead (they share PUBLIC_URL).
  const route = options.node;
  const fetchVia: oidc.CustomFetch | undefined = route
    ? (url, init) => {
        const u = new URL(url);
        return fetch(`${route()}${u.pathname}${u.search}`, init as RequestInit);
      }
    : undefined;
  const config = await oidc.discovery(new URL(issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests], ...(fetchVia ? { [oidc.customFetch]: fetchVia } : {}) });
  if (fetchVia) config[oidc.customFetch] = fetchVia;
  return config;
}
