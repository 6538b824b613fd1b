/**
 * The hosted pages: server-rendered HTML with no script, in their own scope with the cookie
 * parser, the form parser, the page security headers and an error handler that always answers
 * an HTML page (a 4xx for anything the visitor did; a generic page for our own failures).
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import type { AccountsService } from '../../core/accounts-service.js';
import { cookieSettings } from '../cookies.js';
import { registerAccountPages } from './account.js';
import { registerConfirmPages } from './confirm.js';
import { registerFormParser } from './form-body.js';
import { registerHomePage } from './home.js';
import { pageHeadersFor } from './layout.js';
import { view, type PagesDeps } from './context.js';
import { registerBrandAssets } from './brand-assets.js';
import type { Ui } from '../../ui/index.js';
import { returnToOrigins } from '../return-to.js';
import type { OidcReturn } from '../oidc/return.js';
import { registerLoginPages } from './login.js';
import { registerResetPages } from './reset.js';
import { registerSignupPages } from './signup.js';
import { registerSelfServicePages } from './self-service.js';
import { registerPasskeyAssets } from './passkey-assets.js';
import { registerEnrolmentGate } from './require-mfa.js';

/** What the pages need from the app. */
export interface PagesOptions {
  service: AccountsService;
  config: Config;
  ui: Ui;
  /** The clock's now in ms (relative times); Date.now when absent. */
  now?: () => number;
  /** With the OIDC provider on: /login may return to its interaction (src/http/oidc/return.ts). */
  oidcReturn?: OidcReturn;
}

/** Statuses with a message of their own in the catalogue (`error.<status>`); others say 400 or 500's. */
const MESSAGES = new Set([400, 403, 413, 415, 429, 503]);

/** Registers /, /signup, /login, /logout, /account, /confirm, /reset and the brand's files. */
export async function hostedPages(app: FastifyInstance, opts: PagesOptions): Promise<void> {
  const returnTo = opts.oidcReturn ? [...opts.config.selfService.returnTo, opts.oidcReturn.rule] : opts.config.selfService.returnTo;
  const deps: PagesDeps = { service: opts.service, settings: cookieSettings(opts.config), returnTo, ui: opts.ui, now: opts.now ?? Date.now };
  const logo = opts.config.brand.logoUrl;
  const headers = pageHeadersFor(returnToOrigins(deps.returnTo), logo === null ? [] : [new URL(logo).origin]);
  await app.register(fastifyCookie);
  registerFormParser(app);

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(headers);
  });
  if (opts.oidcReturn) opts.oidcReturn.widenFormAction(app, deps);

  app.setErrorHandler((err, req, reply) => {
    const problem = app.describeProblem(err);
    if (problem.unexpected) req.log.error({ err }, 'unexpected error');
    if (problem.code === 'forbidden') req.log.warn({ event: 'csrf_rejected', path: req.url.split('?')[0] }, 'csrf check failed');
    if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
    const status = problem.status === 401 || problem.status === 404 || problem.status === 409 ? 400 : problem.status;
    reply.headers(headers); // also when a hook refused the request before the pages' own hook ran
    const page = view(deps, req, reply);
    const key = problem.code === 'https_required' ? 'error.https' : MESSAGES.has(status) ? `error.${status}` : status >= 500 ? 'error.500' : 'error.400';
    return page.send(status, 'error', { message: page.t(key) });
  });

  registerBrandAssets(app, opts.config.brand);
  registerEnrolmentGate(app, deps);
  registerPasskeyAssets(app);
  registerHomePage(app, deps);
  registerSignupPages(app, deps);
  registerConfirmPages(app, deps);
  registerLoginPages(app, deps);
  registerAccountPages(app, deps);
  registerResetPages(app, deps);
  registerSelfServicePages(app, deps);
}
