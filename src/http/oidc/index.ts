/**
 * Mounts the OpenID Connect provider into the Fastify app (docs/decisions.md, "OpenID Connect
 * provider": oidc-provider is a Koa application; its `callback()` serves the request through a
 * hijacked Fastify reply, with Fastify's body parsing switched off for those routes so the
 * provider reads its own form bodies). Its scope has the pages' cookie parser, form parser,
 * security headers and HTML error page; the interaction pages (interaction.ts) live here too.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type Provider from 'oidc-provider';
import type { Config } from '../../config/index.js';
import type { OidcAccess } from '../../core/oidc/access.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { clearedSessionCookieLines, cookieSettings, sessionCookieIn, type CookieSettings } from '../cookies.js';
import { registerFormParser } from '../pages/form-body.js';
import { view, type PagesDeps } from '../pages/context.js';
import { pageHeadersFor } from '../pages/layout.js';
import type { Ui } from '../../ui/index.js';
import { registerInteractionPages } from './interaction.js';
import type { OidcProviderSource } from './provider.js';
import { OIDC_ROUTES } from './paths.js';
import { OIDC_ENDPOINT_DOCS } from './schemas.js';
import { widenDirective } from './return.js';

export interface OidcRoutesOptions {
  provider: OidcProviderSource;
  access: OidcAccess;
  service: AccountsService;
  config: Config;
  /** Catalogues, templates and brand (src/ui), for the consent page. */
  ui: Ui;
}

/** Left out of /openapi.json (src/http/openapi/spec.ts skips `hide`). */
const HIDDEN = { hide: true } as FastifySchema;
const FORWARDED_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS'] as const;

/** Serves the request with the provider: the headers set so far (request id, HSTS, nosniff) go along. */
function forwardTo(provider: OidcProviderSource): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value as string);
    reply.hijack();
    await provider.callback()(req.raw, reply.raw);
  };
}

/** Audit events of the token endpoint (oidc_token), from the provider's events. */
function auditTokenEvents(provider: Provider, access: OidcAccess): void {
  provider.on('grant.success', (ctx) => {
    const ua = ctx.get('user-agent');
    void access.note('oidc_token', 'success', ctx.oidc.session?.accountId ?? null, ctx.oidc.client?.clientId ?? '', { ip: ctx.ip, userAgent: ua || null, surface: 'page' });
  });
  provider.on('grant.error', (ctx) => {
    const ua = ctx.get('user-agent');
    void access.note('oidc_token', 'failure', null, ctx.oidc?.client?.clientId ?? '', { ip: ctx.ip, userAgent: ua || null, surface: 'page' });
  });
}

/**
 * RP-initiated logout ends the Latchkey session too: once the provider accepted the confirmation
 * (its own CSRF field) with "sign me out", the browser's Latchkey cookie session is logged out as
 * /logout does (its grants end, back-channel logouts are queued) and its cookies are cleared.
 *
 * The provider posts the same confirmation itself when a sign-in in the interaction is of another
 * account than its session's (someone signed in again as another user, e.g. for prompt=login):
 * it ends its session of the previous account and resumes the authorization. The Latchkey
 * session then is the new account's, just signed in, and stays.
 */
function endLatchkeySessionOnLogout(provider: Provider, service: AccountsService, settings: CookieSettings): void {
  const resumePrefix = `${OIDC_ROUTES.authorization}/`;
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'end_session_confirm' || !ctx.oidc.params?.logout || ctx.status >= 400) return;
    const to = new URL(ctx.response.get('location') || '/', ctx.oidc.issuer);
    if (to.origin === new URL(ctx.oidc.issuer).origin && to.pathname.startsWith(resumePrefix)) return; // an account switch, not a logout
    const secret = sessionCookieIn(ctx.get('cookie'), settings);
    if (secret !== null) await service.logoutCookieSession(secret, { ip: ctx.ip, userAgent: ctx.get('user-agent') || null, surface: 'page' });
    for (const line of clearedSessionCookieLines(settings)) ctx.append('set-cookie', line);
  });
}

/** Registers the provider's routes, discovery and the interaction pages. */
export async function oidcRoutes(app: FastifyInstance, opts: OidcRoutesOptions): Promise<void> {
  const settings = cookieSettings(opts.config);
  opts.provider.onBuilt((provider) => {
    auditTokenEvents(provider, opts.access);
    endLatchkeySessionOnLogout(provider, opts.service, settings); // before callback(): Koa composes its middleware there
  });

  // The provider's own endpoints: no Fastify body parsing, the provider reads the stream.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const forward = forwardTo(opts.provider);
    for (const endpoint of OIDC_ENDPOINT_DOCS) scope.route({ method: endpoint.method, url: endpoint.url, schema: endpoint.schema, handler: forward });
    // Everything else of the provider (CORS preflights, userinfo by POST, resumes, logout confirmation), undocumented.
    scope.route({ method: [...FORWARDED_METHODS], url: '/oidc/*', schema: HIDDEN, handler: forward });
    scope.route({ method: 'OPTIONS', url: '/.well-known/openid-configuration', schema: HIDDEN, handler: forward });
  });

  // The interaction pages: the hosted pages' parsers, headers and error page (the provider's own, oidc-error).
  const deps: PagesDeps = { service: opts.service, settings, returnTo: opts.config.selfService.returnTo, ui: opts.ui, now: Date.now };
  const logo = opts.config.brand.logoUrl;
  const logoOrigins = logo === null ? [] : [new URL(logo).origin];
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    registerFormParser(scope);
    scope.addHook('onRequest', async (_req, reply) => {
      reply.headers(pageHeadersFor([], logoOrigins));
    });
    // The consent page sets its own policy (its client's redirect origins in form-action): the logo's origin stays allowed.
    scope.addHook('onSend', async (_req, reply, payload) => {
      const csp = reply.getHeader('content-security-policy');
      if (logoOrigins.length > 0 && typeof csp === 'string') reply.header('content-security-policy', widenDirective(csp, 'img-src', logoOrigins));
      return payload;
    });
    scope.setErrorHandler((err, req, reply) => {
      const problem = scope.describeProblem(err);
      if (problem.unexpected) req.log.error({ err }, 'unexpected error');
      const status = problem.status === 401 || problem.status === 404 || problem.status === 409 ? 400 : problem.status;
      return view(deps, req, reply).send(status, 'oidc-error', { signOut: false, detail: status >= 500 ? null : problem.message });
    });
    registerInteractionPages(scope, opts.provider, opts.access, deps);
  });
}
