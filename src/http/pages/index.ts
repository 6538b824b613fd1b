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
import type { PagesDeps } from './context.js';
import { registerFormParser } from './form-body.js';
import { registerHomePage } from './home.js';
import { html } from './html.js';
import { page, pageHeadersFor, sendPage } from './layout.js';
import { returnToOrigins } from '../return-to.js';
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
}

const MESSAGES: Record<number, string> = {
  400: 'The request could not be understood. Go back and try again.',
  403: 'This form has expired or was sent from another site. Go back, reload the page and try again.',
  413: 'The form is too large.',
  415: 'This page only accepts forms.',
  429: 'Too many attempts. Wait a little and try again.',
  503: 'The service is busy or temporarily unavailable. Try again in a moment.',
};

/** Registers /, /signup, /login, /logout, /account, /confirm and /reset. */
export async function hostedPages(app: FastifyInstance, opts: PagesOptions): Promise<void> {
  const deps: PagesDeps = { service: opts.service, settings: cookieSettings(opts.config), returnTo: opts.config.selfService.returnTo };
  const headers = pageHeadersFor(returnToOrigins(deps.returnTo));
  await app.register(fastifyCookie);
  registerFormParser(app);

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(headers);
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = app.describeProblem(err);
    if (problem.unexpected) req.log.error({ err }, 'unexpected error');
    if (problem.code === 'forbidden') req.log.warn({ event: 'csrf_rejected', path: req.url.split('?')[0] }, 'csrf check failed');
    if (problem.retryAfter !== undefined) reply.header('retry-after', String(problem.retryAfter));
    const status = problem.status === 401 || problem.status === 404 || problem.status === 409 ? 400 : problem.status;
    const message =
      problem.code === 'https_required'
        ? 'This form must be sent over https. Open the page with https:// and try again.'
        : (MESSAGES[status] ?? (status >= 500 ? 'Something went wrong on our side. Try again later.' : MESSAGES[400]));
    reply.headers(headers); // also when a hook refused the request before the pages' own hook ran
    return sendPage(reply, status, page('Something went wrong', html`<p>${message}</p><nav><a href="/login">Log in</a></nav>`));
  });

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
