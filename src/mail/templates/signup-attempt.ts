/**
 * "Someone tried to sign up with your address": sent to the owner instead of a second
 * confirmation, so the sign-up response never reveals that the address is taken.
 */
import { greeting, plainMail, type RenderContext, type RenderedMail } from './layout.js';

/** Renders the sign-up attempt notice; may use `username`. */
export function renderSignupAttempt(data: Record<string, string>, context: RenderContext): RenderedMail {
  const subject = 'Someone tried to sign up with your address';
  const hello = greeting(data);
  const body = 'Someone tried to create a Latchkey account with this email address, which already has an account.';
  const outro = `If it was you, log in at ${context.publicUrl} or reset your password there. Otherwise you can ignore this email.`;
  return plainMail(subject, [hello, body, outro]);
}
