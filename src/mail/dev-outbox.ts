/**
 * The dev outbox, used when SMTP_URL is unset: a message counts as sent, is written to the log
 * with its link so a developer can follow it, and stays listed by `latchkey outbox`.
 *
 * Security: this is the ONLY place a link (which carries a one-time token) is ever logged. It
 * exists for local development without a mail server; production sets SMTP_URL, and then
 * nothing here runs. The generated password of a new_password message is never logged.
 */
import type { MailLog, Mailer } from './mailer.js';

/** A mailer that logs each message (recipient, subject, link) at info level instead of sending it. */
export function createDevOutboxMailer(log: MailLog): Mailer {
  return {
    kind: 'dev',
    async send(mail) {
      log.info({ event: 'mail_dev_outbox', to: mail.to, subject: mail.subject, link: mail.link ?? null }, 'dev outbox: email not sent (SMTP_URL unset)');
    },
    close() {},
  };
}
