/** "Your new password": the generated password (PASSWORD_RESET_MODE=new_password). */
import { escapeHtml, greeting, htmlPage, required, textBody, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the new-password email; needs `password`, may use `username`. */
export function renderNewPassword(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Your new password';
  const password = required(data, 'password');
  const hello = greeting(data);
  const intro = 'A new password was generated for your Latchkey account:';
  const outro = `Log in at ${context.publicUrl} and change it. If you did not ask for this, contact your administrator.`;
  return {
    subject,
    text: textBody([hello, intro, password, outro]),
    html: htmlPage(subject, [escapeHtml(hello), escapeHtml(intro), `<code>${escapeHtml(password)}</code>`, escapeHtml(outro)]),
  };
}
