/** "Reset your Latchkey password": the single-use link that lets the owner choose a new password. */
import { escapeHtml, greeting, htmlLink, htmlPage, linkWithToken, required, textBody, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the reset email; needs `token`, may use `username`. */
export function renderResetPassword(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Reset your Latchkey password';
  const link = linkWithToken(context, '/reset', required(data, 'token'), data.returnTo);
  const hello = greeting(data);
  const intro = 'Someone asked to reset the password of your account. Open this link to choose a new one:';
  const outro = 'The link works once and expires soon. If you did not ask for this, ignore this email: your password is unchanged.';
  return {
    subject,
    link,
    text: textBody([hello, intro, link, outro]),
    html: htmlPage(subject, [escapeHtml(hello), escapeHtml(intro), htmlLink(link), escapeHtml(outro)]),
  };
}
