/** The second-factor notices: a factor or the recovery codes changed, a recovery code was used. */
import { greeting, plainMail, TemplateDataError, type RenderContext, type RenderedMail } from './layout.js';

const CHANGES: Record<string, string> = {
  totp_on: 'An authenticator app (TOTP) was turned on as the second factor of your Latchkey account, and new recovery codes were made.',
  totp_off: 'The authenticator app (TOTP) was turned off on your Latchkey account: the password alone now signs in.',
  recovery_codes_regenerated: 'New recovery codes were made for your Latchkey account; the old ones no longer work.',
  app_password_added: 'A new app password was made for your Latchkey account (for an HTTP Basic client).',
  app_password_revoked: 'An app password of your Latchkey account was revoked.',
  passkey_added: 'A passkey was added to your Latchkey account.',
  passkey_removed: 'A passkey was removed from your Latchkey account.',
  reset_by_operator: 'An operator removed every second factor of your Latchkey account (a lost device): the password alone now signs in.',
};

function notice(subject: string, data: Record<string, string>, body: string, context: RenderContext): RenderedMail {
  const outro = `If this was not you, change your password at ${context.publicUrl} now and check your second factor.`;
  return plainMail(subject, [greeting(data), body, outro]);
}

/** Renders the factor-changed notice; needs `change`, may use `username`. */
export function renderSecondFactorChanged(data: Record<string, string>, context: RenderContext): RenderedMail {
  const body = data.change === undefined ? undefined : CHANGES[data.change];
  if (body === undefined) throw new TemplateDataError('second_factor_changed needs a known "change"');
  return notice('Your second factor changed', data, body, context);
}

/** Renders the recovery-code-used notice; needs `left`, may use `username`. */
export function renderRecoveryCodeUsed(data: Record<string, string>, context: RenderContext): RenderedMail {
  if (!data.left || !/^\d+$/.test(data.left)) throw new TemplateDataError('recovery_code_used needs "left"');
  const body = `A recovery code was just used to sign in to your Latchkey account. ${data.left} unused codes are left; make new ones from your account page if you run low.`;
  return notice('A recovery code was used', data, body, context);
}
