/**
 * What each queued message needs before its templates render (docs/branding.md#emails): the
 * template file under `templates/mail/`, the catalogue key of its subject, the address its
 * button opens and the data it must have. Links are built from PUBLIC_URL only, never from a
 * request's Host, with the token URL-encoded.
 */
import type { MailTemplate } from '../../core/outbox/ports.js';

/** The template's data is missing a value it needs, or has one it cannot show: the message can never be rendered. */
export class TemplateDataError extends Error {
  override name = 'TemplateDataError';
}

/** The values a message's templates get besides the layout's: the button's address and message-specific values. */
export interface MessageView {
  /** Where the button goes: the token link, or a page on PUBLIC_URL. */
  link: string;
  [key: string]: unknown;
}

/** One message: its template file, subject key and view; `token` when its link carries a one-time token. */
export interface MessageSpec {
  /** The template under templates/mail/ (`confirm-account`: `.eta` the HTML part, `.txt.eta` the text part). */
  file: string;
  /** The catalogue key of the subject (`mail` namespace). */
  subject(data: Record<string, string>): string;
  /** Checks the data and builds the view; throws TemplateDataError. */
  view(data: Record<string, string>, publicUrl: string): MessageView;
  /** True when `link` carries a one-time token (it is the message's `link`, shown by the dev outbox). */
  token?: boolean;
}

/** The value of `key`, or a TemplateDataError naming it. */
export function required(data: Record<string, string>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value === '') throw new TemplateDataError(`missing "${key}"`);
  return value;
}

/** `${publicUrl}${path}?token=...` with the token URL-encoded, and the `return_to` the link carries when the data has one. */
export function linkWithToken(publicUrl: string, path: string, token: string, returnTo?: string): string {
  const back = returnTo ? `&return_to=${encodeURIComponent(returnTo)}` : '';
  return `${publicUrl}${path}?token=${encodeURIComponent(token)}${back}`;
}

/** The changes second_factor_changed can report (keys of `secondFactorChanged.change` in the catalogue). */
export const FACTOR_CHANGES = ['totp_on', 'totp_off', 'recovery_codes_regenerated', 'app_password_added', 'app_password_revoked', 'passkey_added', 'passkey_removed', 'reset_by_operator'] as const;

const tokenMessage = (file: string, subject: string, path: string): MessageSpec => ({
  file,
  subject: () => subject,
  view: (data, publicUrl) => ({ link: linkWithToken(publicUrl, path, required(data, 'token'), data.returnTo) }),
  token: true,
});

const notice = (file: string, subject: string, path: string): MessageSpec => ({
  file,
  subject: () => subject,
  view: (_data, publicUrl) => ({ link: `${publicUrl}${path}` }),
});

/** Every message the core can queue. */
export const MESSAGES: Readonly<Record<MailTemplate, MessageSpec>> = {
  confirm_account: tokenMessage('confirm-account', 'confirmAccount.subject', '/confirm'),
  reset_password: tokenMessage('reset-password', 'resetPassword.subject', '/reset'),
  confirm_email_change: tokenMessage('confirm-email-change', 'confirmEmailChange.subject', '/email/confirm'),
  signup_attempt: notice('signup-attempt', 'signupAttempt.subject', '/login'),
  password_changed: notice('password-changed', 'passwordChanged.subject', '/login'),
  account_deleted: notice('account-deleted', 'accountDeleted.subject', '/'),
  email_in_use: notice('email-in-use', 'emailInUse.subject', '/account'),
  new_password: {
    file: 'new-password',
    subject: () => 'newPassword.subject',
    view: (data, publicUrl) => ({ link: `${publicUrl}/login`, password: required(data, 'password') }),
  },
  email_change_notice: {
    file: 'email-change-notice',
    subject: (data) => (data.stage === 'changed' ? 'emailChanged.subject' : 'emailChangeRequested.subject'),
    view(data, publicUrl) {
      const stage = required(data, 'stage');
      if (stage !== 'changed' && stage !== 'requested') throw new TemplateDataError('email_change_notice needs "stage" requested or changed');
      return { link: `${publicUrl}/login`, stage };
    },
  },
  second_factor_changed: {
    file: 'second-factor-changed',
    subject: () => 'secondFactorChanged.subject',
    view(data, publicUrl) {
      if (!(FACTOR_CHANGES as readonly string[]).includes(data.change ?? '')) throw new TemplateDataError('second_factor_changed needs a known "change"');
      return { link: `${publicUrl}/account`, change: data.change };
    },
  },
  recovery_code_used: {
    file: 'recovery-code-used',
    subject: () => 'recoveryCodeUsed.subject',
    view(data, publicUrl) {
      if (!data.left || !/^\d{1,4}$/.test(data.left)) throw new TemplateDataError('recovery_code_used needs "left"');
      return { link: `${publicUrl}/account`, left: Number(data.left) };
    },
  },
};
