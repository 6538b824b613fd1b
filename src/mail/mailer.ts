/**
 * The mailer port and its SMTP implementation (nodemailer). A mailer only hands one rendered
 * message to a server; retries, backoff and bookkeeping belong to the outbox sender.
 */
import nodemailer from 'nodemailer';
import type { RenderedMail } from './templates/index.js';

/** One message ready to send. */
export interface OutgoingMail extends RenderedMail {
  to: string;
}

/** The structured logger the mail layer writes to (pino's signature). */
export interface MailLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Hands rendered messages to a mail server (or, in dev, to the log). */
export interface Mailer {
  /** 'smtp' sends for real; 'dev' only logs (no SMTP_URL configured). */
  readonly kind: 'smtp' | 'dev';
  /** Hands the message to the server; resolves once it is accepted, rejects otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  /** Releases connections. */
  close(): void;
}

/** A mailer sending through the SMTP server at `smtpUrl` (smtp:// or smtps://, credentials in the URL). */
export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  // Bounded timeouts: a hung server must fail the attempt well within the sender's lease.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    },
    close() {
      transport.close();
    },
  };
}
