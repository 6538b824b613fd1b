/**
 * Outgoing mail as the core describes it, the outbox that queues it in the caller's transaction,
 * and the queue the mail sender (src/mail/outbox-sender.ts) claims it from.
 */
import type { Tx } from '../ports.js';

export type MailTemplate =
  | 'confirm_account'
  | 'signup_attempt'
  | 'reset_password'
  | 'new_password'
  | 'password_changed'
  | 'account_deleted'
  | 'confirm_email_change'
  | 'email_change_notice'
  | 'email_in_use'
  | 'second_factor_changed'
  | 'recovery_code_used';

/**
 * An email to send, as the core describes it: a template name, a recipient and the values the
 * template needs (e.g. `token` for link templates). The mail layer renders it and builds links
 * from PUBLIC_URL.
 */
export interface MailRequest {
  template: MailTemplate;
  to: string;
  data: Record<string, string>;
  /**
   * The language to write it in: the recipient account's stored locale, or for an address
   * without an account the language of the request that caused it; null or unset: DEFAULT_LANGUAGE.
   */
  language?: string | null;
}

export interface Outbox {
  /** Queues a message in the same transaction as the change that causes it. */
  enqueue(tx: Tx, message: MailRequest): Promise<void>;
}

/** An outbox row as stored (the columns of the `outbox` table), data included: only the sender reads it. */
export interface OutboxRow {
  id: string;
  template: string;
  recipient: string;
  /** JSON object of template values. Cleared once the message is sent (it may hold a link token). */
  data: string;
  /** The language the message is rendered in when sent (MailRequest.language); null: DEFAULT_LANGUAGE. */
  language: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: number;
  /** A sender's claim: until this time no other sender takes the row. */
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** An outbox row without its data, for listings. */
export type OutboxSummary = Omit<OutboxRow, 'data'>;

/** The sender's side of the outbox: claiming, and recording what happened. */
export interface OutboxQueue {
  /** Claims up to `limit` due, unclaimed pending rows until `leaseUntil`; no row goes to two claimers. */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<OutboxRow[]>;
  /** Marks a claimed row sent and clears its data. False if the claim was lost (lease expired and retaken). */
  markSent(id: string, leaseUntil: number, now: number, options?: { keepData?: boolean }): Promise<boolean>;
  /** Records a failed attempt: pending again at `nextAttemptAt`, or 'failed' when `giveUp`. */
  markFailed(id: string, leaseUntil: number, failure: { error: string; nextAttemptAt: number; giveUp: boolean }): Promise<void>;
  /** Gives back a claim without an attempt (a sender stopping mid-batch), so any sender can take the row now. */
  release(id: string, leaseUntil: number): Promise<void>;
  /** Rows newest first, without data; only failed ones with `failedOnly`. */
  list(options?: { failedOnly?: boolean; limit?: number }): Promise<OutboxSummary[]>;
  /** Makes a pending or failed row due now (and resets a failed row's attempt count); false if no such unsent row. */
  retry(id: string, now: number): Promise<boolean>;
  /** One row with its data, or null (the dev outbox's reader: src/cli/dev-mailbox.ts). */
  find(id: string): Promise<OutboxRow | null>;
}
