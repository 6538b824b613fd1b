/** "Your password was changed": the notice after a change or a reset. */
import { greeting, plainMail, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the password-changed notice; may use `username`. */
export function renderPasswordChanged(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Your password was changed';
  const hello = greeting(data);
  const body = 'The password of your Latchkey account was just changed, and every other session was logged out.';
  const outro = `If this was not you, reset your password at ${context.publicUrl} now.`;
  return plainMail(subject, [hello, body, outro]);
}
