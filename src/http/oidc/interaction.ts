/**
 * The provider's interaction, on Latchkey's hosted pages and its cookie session ("one login"):
 * a visitor already signed in to Latchkey goes straight back to the app (first-party clients)
 * or sees the consent page (third-party clients); anyone else is sent to the hosted /login page
 * with a `return_to` back to this interaction (allowed by interactionReturnRule, paths.ts), so
 * every way of signing in there (password, a second factor, passkeys) serves OIDC too. When the
 * app asks for a fresh sign-in (`prompt=login`, or `max_age` shorter than the session's age:
 * src/core/oidc/freshness.ts), a signed-in visitor is sent to /login too, and only a session
 * authenticated after the request began goes on; its time is the id token's `auth_time`. The
 * grant is recorded under that Latchkey session (OidcAccess.linkGrant), so logging out of
 * Latchkey ends it. CSRF: the consent form carries the session's token, as the other pages do
 * (src/http/csrf.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { AuthError } from '../../core/errors.js';
import { loginMethods, type OidcAccess } from '../../core/oidc/access.js';
import { authenticatedAt, mustSignInAgain, type FreshnessRequest } from '../../core/oidc/freshness.js';
import type { OidcClient } from '../../core/oidc/ports.js';
import { clientContext } from '../credentials.js';
import { assertSessionCsrf } from '../csrf.js';
import { currentVisitor, view, type PagesDeps, type Visitor } from '../pages/context.js';
import { formField } from '../pages/form-body.js';
import { pageCsp } from '../pages/layout.js';
import { returnToQuery } from '../return-to.js';
import { INTERACTION_PREFIX } from './paths.js';
import type { OidcProviderSource } from './provider.js';
import { oidcPageHeaders } from './pages.js';
import { interactionConsentRoute, interactionPageRoute } from './schemas.js';

const SCOPES = new Set(['openid', 'offline_access', 'email', 'profile']);
interface Interaction {
  uid: string;
  client: OidcClient;
  scopes: string[];
  /** What the app asked of the sign-in's age. */
  freshness: FreshnessRequest;
}

interface Signed {
  accountId: string;
  sessionId: string;
  csrfToken: string;
  /** How the Latchkey session was proved (RFC 8176), for the id token. */
  amr: string[];
  /** When the Latchkey session was authenticated (seconds), for the id token's auth_time. */
  authTime: number;
}

function signedFrom(visitor: Visitor): Signed {
  return { accountId: visitor.account.id, sessionId: visitor.session.id, csrfToken: visitor.csrfToken, amr: loginMethods(visitor.session), authTime: authenticatedAt(visitor.session) };
}

/** The request's `prompt=login` and `max_age`, as the provider validated and stored them. */
function freshnessOf(details: Awaited<ReturnType<Provider['interactionDetails']>>): FreshnessRequest {
  const maxAge = details.params.max_age === undefined ? undefined : Number(details.params.max_age);
  return {
    startedAt: details.iat,
    // 'login_prompt': the app asked for prompt=login (max_age=0 included) and it is not answered yet.
    loginPrompt: details.prompt.reasons.includes('login_prompt'),
    maxAge: maxAge !== undefined && Number.isSafeInteger(maxAge) && maxAge >= 0 ? maxAge : undefined,
  };
}

async function loadInteraction(source: OidcProviderSource, access: OidcAccess, req: FastifyRequest, reply: FastifyReply): Promise<Interaction> {
  let details: Awaited<ReturnType<Provider['interactionDetails']>>;
  try {
    details = await source.current().interactionDetails(req.raw, reply.raw);
  } catch {
    throw new AuthError('INVALID_INPUT', 'this sign-in request has expired; go back to the application and start again');
  }
  const { uid } = req.params as { uid: string };
  if (details.uid !== uid) throw new AuthError('INVALID_INPUT', 'this sign-in request does not match');
  const client = await access.findClient(String(details.params.client_id));
  if (client === null) throw new AuthError('INVALID_INPUT', 'the application is not registered');
  const scopes = String(details.params.scope ?? '').split(' ').filter((s) => SCOPES.has(s));
  reply.headers(oidcPageHeaders(client.redirectUris));
  return { uid, client, scopes, freshness: freshnessOf(details) };
}

/** The consent page, rendered from the `consent` template in the visitor's language (docs/branding.md). */
function sendConsentPage(ctx: PagesDeps, req: FastifyRequest, reply: FastifyReply, i: Interaction, csrf: string): FastifyReply {
  const logo = ctx.ui.brand.logo;
  if (logo !== null && /^https?:/.test(logo)) {
    const forms = [...new Set(i.client.redirectUris.map((uri) => new URL(uri).origin))];
    reply.header('content-security-policy', pageCsp(forms, [new URL(logo).origin]));
  }
  return view(ctx, req, reply).send(200, 'consent', { client: i.client.name, scopes: i.scopes, action: `${INTERACTION_PREFIX}${i.uid}/consent`, csrf });
}

/** Registers the interaction pages (GET the page, POST its login and consent forms). */
export function registerInteractionPages(app: FastifyInstance, source: OidcProviderSource, access: OidcAccess, ctx: PagesDeps): void {
  // The grant for the requested scopes, recorded under the visitor's Latchkey session; then back to the provider.
  async function finish(req: FastifyRequest, reply: FastifyReply, i: Interaction, who: Signed): Promise<FastifyReply> {
    const provider = source.current();
    const grant = new provider.Grant({ accountId: who.accountId, clientId: i.client.id });
    grant.addOIDCScope(i.scopes.join(' '));
    const grantId = await grant.save();
    await access.linkGrant(grantId, who.sessionId, who.accountId, i.client.id);
    await access.note('oidc_authorize', 'success', who.accountId, i.client.id, clientContext(req, 'page'));
    const to = await provider.interactionResult(req.raw, reply.raw, { login: { accountId: who.accountId, amr: who.amr, ts: who.authTime }, consent: { grantId } });
    return reply.redirect(to, 303);
  }

  // To the hosted /login page and back here; `reauth` only shows a notice there (the check is signInNeeded's, here).
  function sendToLogin(reply: FastifyReply, i: Interaction, options: { reauth?: boolean } = {}): FastifyReply {
    const back = returnToQuery(`${ctx.settings.publicOrigin}${INTERACTION_PREFIX}${i.uid}`);
    return reply.redirect(`/login${back}${options.reauth ? '&reauth=1' : ''}`, 303);
  }

  // Whether this signed-in visitor must sign in again before going on (prompt=login, max_age).
  function signInNeeded(i: Interaction, who: Signed): boolean {
    return mustSignInAgain(i.freshness, who.authTime, Math.floor(ctx.now() / 1000));
  }

  async function proceed(req: FastifyRequest, reply: FastifyReply, i: Interaction, who: Signed): Promise<FastifyReply> {
    if (signInNeeded(i, who)) return sendToLogin(reply, i, { reauth: true });
    if (i.client.firstParty) return finish(req, reply, i, who);
    return sendConsentPage(ctx, req, reply, i, who.csrfToken);
  }

  app.get(`${INTERACTION_PREFIX}:uid`, { schema: interactionPageRoute }, async (req, reply) => {
    const i = await loadInteraction(source, access, req, reply);
    const visitor = await currentVisitor(ctx, req);
    if (visitor === null) return sendToLogin(reply, i);
    return proceed(req, reply, i, signedFrom(visitor));
  });

  app.post(`${INTERACTION_PREFIX}:uid/consent`, { schema: interactionConsentRoute }, async (req, reply) => {
    const i = await loadInteraction(source, access, req, reply);
    const visitor = await currentVisitor(ctx, req);
    if (visitor === null) throw new AuthError('FORBIDDEN', 'sign in first');
    assertSessionCsrf(req, { service: ctx.service, settings: ctx.settings, sessionId: visitor.session.id, presented: formField(req, 'csrf'), tokenRequired: true });
    const who = signedFrom(visitor);
    if (formField(req, 'decision') !== 'allow') {
      await access.note('oidc_consent', 'failure', who.accountId, i.client.id, clientContext(req, 'page'));
      const to = await source.current().interactionResult(req.raw, reply.raw, { error: 'access_denied', error_description: 'the user denied the request' });
      return reply.redirect(to, 303);
    }
    // A consent form shown before max_age ran out is no fresh sign-in afterwards.
    if (signInNeeded(i, who)) return sendToLogin(reply, i, { reauth: true });
    await access.note('oidc_consent', 'success', who.accountId, i.client.id, clientContext(req, 'page'));
    return finish(req, reply, i, who);
  });
}
