/** Renders a queued MailRequest into subject, text and HTML with the template of its name. */
import type { MailTemplate } from '../../core/mail/ports.js';
import { renderAccountDeleted } from './account-deleted.js';
import { renderConfirmAccount } from './confirm-account.js';
import { renderConfirmEmailChange, renderEmailChangeNotice, renderEmailInUse } from './email-change.js';
import { TemplateDataError, type RenderContext, type RenderedMail } from './layout.js';
import { renderNewPassword } from './new-password.js';
import { renderPasswordChanged } from './password-changed.js';
import { renderResetPassword } from './reset-password.js';
import { renderRecoveryCodeUsed, renderSecondFactorChanged } from './second-factor.js';
import { renderSignupAttempt } from './signup-attempt.js';

type Renderer = (data: Record<string, string>, context: RenderContext) => RenderedMail;

const renderers: Record<MailTemplate, Renderer> = {
  confirm_account: renderConfirmAccount,
  signup_attempt: renderSignupAttempt,
  reset_password: renderResetPassword,
  new_password: renderNewPassword,
  password_changed: renderPasswordChanged,
  account_deleted: renderAccountDeleted,
  confirm_email_change: renderConfirmEmailChange,
  email_change_notice: renderEmailChangeNotice,
  email_in_use: renderEmailInUse,
  second_factor_changed: renderSecondFactorChanged,
  recovery_code_used: renderRecoveryCodeUsed,
};

/** Renders `template` (a name as stored); throws TemplateDataError for an unknown name or missing data. */
export function renderMail(template: string, data: Record<string, string>, context: RenderContext): RenderedMail {
  const render = Object.hasOwn(renderers, template) ? renderers[template as MailTemplate] : undefined;
  if (!render) throw new TemplateDataError(`unknown template "${template}"`);
  return render(data, context);
}

export { escapeHtml, TemplateDataError, type RenderContext, type RenderedMail } from './layout.js';
