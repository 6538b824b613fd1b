/**
 * The outgoing mail queue as an operator sees it (the same view as `latchkey outbox`): every
 * message's id, template, recipient, state and last error, never its data (which can hold a
 * link token or a generated password); and retrying a message that failed or waits.
 */
import { AuthError } from '../errors.js';
import type { AdminDeps } from './index.js';

/** One queued or sent email, without its data. */
export interface QueuedMail {
  id: string;
  template: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  createdAt: number;
  /** When the sender next tries it; null unless pending. */
  nextAttemptAt: number | null;
  sentAt: number | null;
  lastError: string | null;
}

/** The read-and-retry side of the mail outbox. */
export interface MailQueueView {
  /** Messages newest first; only failed ones with `failedOnly`. */
  list(options: { failedOnly: boolean; limit: number }): Promise<QueuedMail[]>;
  /** Makes a pending or failed message due at `now` (a failed one gets fresh attempts); false when there is no such unsent message. */
  retry(id: string, now: number): Promise<boolean>;
}

/** The most messages one listing returns, as `latchkey outbox` prints. */
export const MAIL_LIST_LIMIT = 500;
const MESSAGE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The newest messages (at most 500), or only the failed ones. */
export function listMail(deps: AdminDeps, options: { failedOnly?: boolean } = {}): Promise<QueuedMail[]> {
  return deps.mail.list({ failedOnly: options.failedOnly ?? false, limit: MAIL_LIST_LIMIT });
}

/** Makes a failed or pending message due now; NOT_FOUND when no unsent message has this id. */
export async function retryMail(deps: AdminDeps, id: string): Promise<void> {
  if (!MESSAGE_ID.test(id)) throw new AuthError('INVALID_INPUT', 'a message id is 1 to 64 letters, digits or hyphens', { field: 'id' });
  if (!(await deps.mail.retry(id, deps.clock.now()))) throw new AuthError('NOT_FOUND', `no pending or failed message with id ${id}`);
}
