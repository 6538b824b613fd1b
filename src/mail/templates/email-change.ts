/**
 * The messages of an email change (src/core/accounts/change-email.ts): the link to the new
 * address, the notices to the old one (when asked and when done), and the notice to the owner
 * of an address someone tried to move another account onto.
 */
import { escapeHtml, greeting, htmlLink, htmlPage, linkWithToken, plainMail, required, textBody, type RenderContext, type RenderedMail } from './layout.js';

/** "Confirm your new email address": needs `token`, may use `username` and `returnTo`. */
export function renderConfirmEmailChange(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Confirm your new email address';
  const link = linkWithToken(context, '/email/confirm', required(data, 'token'), data.returnTo);
  const hello = greeting(data);
  const intro = 'Open this link to make this the email address of your Latchkey account:';
  const outro = 'Nothing changes until you do. If you did not ask for this, ignore this email.';
  return { subject, link, text: textBody([hello, intro, link, outro]), html: htmlPage(subject, [escapeHtml(hello), escapeHtml(intro), htmlLink(link), escapeHtml(outro)]) };
}

/** To the old address: `stage` is `requested` (a change was asked for) or `changed` (it is done). */
export function renderEmailChangeNotice(data: Record<string, string>, context: RenderContext): RenderedMail {
  const changed = required(data, 'stage') === 'changed';
  const body = changed
    ? 'The email address of your Latchkey account has been changed. This address no longer logs in.'
    : 'Someone asked to change the email address of your Latchkey account. It changes only when the link sent to the new address is used.';
  const outro = `If this was not you, log in at ${context.publicUrl} and change your password now.`;
  return plainMail(changed ? 'Your email address was changed' : 'A change of your email address was requested', [greeting(data), body, outro]);
}

/** To the owner of an address another account tried to move onto; may use `username`. */
export function renderEmailInUse(data: Record<string, string>, context: RenderContext): RenderedMail {
  const body = 'Someone tried to move another Latchkey account onto this email address, which already has an account. Nothing was changed.';
  return plainMail('Someone tried to use your address', [greeting(data), body, `Your account at ${context.publicUrl} is unaffected.`]);
}
