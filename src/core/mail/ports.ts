/** Outgoing mail as the core describes it, and the outbox that queues it in the caller's transaction. */
import type { Tx } from '../ports.js';

export type MailTemplate =
  | 'confirm_account'
  | 'signup_attempt'
  | 'reset_password'
  | 'new_password'
  | 'password_changed'
  | 'account_deleted';

/**
 * An email to send, as the core describes it: a template name, a recipient and the values the
 * template needs (e.g. `token` for link templates). The mail layer renders it and builds links
 * from PUBLIC_URL.
 */
export interface MailRequest {
  template: MailTemplate;
  to: string;
  data: Record<string, string>;
}

export interface Outbox {
  /** Queues a message in the same transaction as the change that causes it. */
  enqueue(tx: Tx, message: MailRequest): Promise<void>;
}
