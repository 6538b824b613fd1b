/**
 * /reset: "forgot my password". Without a token, a form asking for the username or email whose
 * answer is the same page for any input (no account enumeration). With a token from the email,
 * a new-password form; posting it to /reset/complete sets the password (the core revokes every
 * session) and tells the visitor to log in. The page sends no Referer, so the token stays here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAuthError } from '../../core/errors.js';
import { clientContext } from '../credentials.js';
import { assertFormToken, issueFormToken } from '../csrf.js';
import { finishSignedIn, formReturnTo, queryReturnTo, queryToken, type PagesContext } from './context.js';
import { formField } from './form-body.js';
import { html } from './html.js';
import { csrfField, page, passwordInput, returnToField, sendPage, sentence, type Notice } from './layout.js';
import { returnToQuery } from '../return-to.js';
import { resetCompleteFormRoute, resetPageRoute, resetRequestFormRoute } from './schemas.js';

function requestPage(csrf: string, back: string | null, notice?: Notice) {
  return page(
    'Reset your password',
    html`<form method="post" action="/reset">${csrfField(csrf)}${returnToField(back)}
<label for="identifier">Username or email</label><input id="identifier" name="identifier" required autocomplete="username" maxlength="320">
<button type="submit">Email me a link</button></form><nav><a href="/login${returnToQuery(back)}">Back to log in</a></nav>`,
    notice,
  );
}

function newPasswordPage(csrf: string, token: string, email: string, back: string | null, notice?: Notice) {
  return page(
    'Choose a new password',
    html`<p>Account: <strong>${email}</strong></p>
<form method="post" action="/reset/complete">${csrfField(csrf)}${returnToField(back)}<input type="hidden" name="token" value="${token}">
${passwordInput('password', 'New password', 'new-password')}
${passwordInput('password_confirm', 'Repeat the password', 'new-password')}
<button type="submit">Change password</button></form>`,
    notice,
  );
}

const BAD_LINK: Notice = { kind: 'error', text: 'This reset link has expired or has already been used. Ask for a new one below.' };
const isPasswordProblem = (err: unknown): err is Error =>
  isAuthError(err, 'WEAK_PASSWORD') || (isAuthError(err, 'INVALID_INPUT') && err.field === 'password');
const isBadToken = (err: unknown): boolean =>
  isAuthError(err, 'INVALID_TOKEN') || isAuthError(err, 'TOKEN_REUSED') || isAuthError(err, 'INVALID_INPUT');

/** Registers GET/POST /reset and POST /reset/complete. */
export function registerResetPages(app: FastifyInstance, ctx: PagesContext): void {
  const badLink = (req: FastifyRequest, reply: FastifyReply, back: string | null) =>
    sendPage(reply, 400, requestPage(issueFormToken(req, reply, ctx.settings), back, BAD_LINK));

  app.get('/reset', { schema: resetPageRoute }, async (req, reply) => {
    const token = queryToken(req);
    const back = queryReturnTo(ctx, req);
    if (!('token' in (req.query as object))) return sendPage(reply, 200, requestPage(issueFormToken(req, reply, ctx.settings), back));
    try {
      const { email } = await ctx.service.checkResetToken(token, clientContext(req));
      return sendPage(reply, 200, newPasswordPage(issueFormToken(req, reply, ctx.settings), token, email, back));
    } catch (err) {
      if (isBadToken(err)) return badLink(req, reply, back);
      throw err;
    }
  });

  app.post('/reset', { schema: resetRequestFormRoute }, async (req, reply) => {
    assertFormToken(req, ctx.settings, formField(req, 'csrf'));
    const back = formReturnTo(ctx, req);
    const options = back === null ? {} : { returnTo: back };
    await ctx.service.requestPasswordReset(formField(req, 'identifier', 320), clientContext(req), options).catch((err: unknown) => {
      if (!isAuthError(err, 'INVALID_INPUT')) throw err; // same answer for any input
    });
    return sendPage(reply, 200, page('Check your email', html`<p>If an account matches, we have sent it a link to choose a new password.</p>`));
  });

  app.post('/reset/complete', { schema: resetCompleteFormRoute }, async (req, reply) => {
    assertFormToken(req, ctx.settings, formField(req, 'csrf'));
    const token = formField(req, 'token', 200);
    const password = formField(req, 'password');
    const back = formReturnTo(ctx, req);
    const again = async (text: string) => {
      const { email } = await ctx.service.checkResetToken(token, clientContext(req));
      return sendPage(reply, 400, newPasswordPage(issueFormToken(req, reply, ctx.settings), token, email, back, { kind: 'error', text }));
    };
    let login;
    try {
      if (password !== formField(req, 'password_confirm')) return await again('The two passwords are not the same.');
      ({ login } = await ctx.service.resetAndSignIn(token, password, clientContext(req)));
    } catch (err) {
      if (isPasswordProblem(err)) {
        // The link died meanwhile: the bad-link page; an outage is not a bad link (503).
        return await again(sentence(err.message)).catch((e: unknown) => {
          if (isBadToken(e)) return badLink(req, reply, back);
          throw e;
        });
      }
      if (isBadToken(err)) return badLink(req, reply, back);
      throw err;
    }
    // Every older session has ended; signed in anew (sign-in-after-link.ts) unless configured off.
    if (login !== null) return finishSignedIn(ctx, reply, login, back);
    const done = html`<p class="ok">Your password has been changed. Please log in with it.</p><nav><a href="/login${returnToQuery(back)}">Log in</a></nav>`;
    return sendPage(reply, 200, page('Password changed', done));
  });
}
