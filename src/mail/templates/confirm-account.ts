/** "Confirm your Latchkey account": the link that confirms the address and sets the password. */
import { escapeHtml, greeting, htmlLink, htmlPage, linkWithToken, required, textBody, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the confirmation email; needs `token`, may use `username`. */
export function renderConfirmAccount(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Confirm your Latchkey account';
  const link = linkWithToken(context, '/confirm', required(data, 'token'), data.returnTo);
  const hello = greeting(data);
  const intro = 'Open this link to confirm your email address and choose your password:';
  const outro = 'The link works once and expires soon. If you did not sign up, ignore this email.';
  return {
    subject,
    link,
    text: textBody([hello, intro, link, outro]),
    html: htmlPage(subject, [escapeHtml(hello), escapeHtml(intro), htmlLink(link), escapeHtml(outro)]),
  };
}
