/**
 * The outgoing mail queue as an operator sees it (the same view as `latchkey outbox`): every
 * message's id, template, recipient, state and last error, never its data (which can hold a
 * link token or a generated password); and retrying a message that failed or waits.
 */
import { AuthError } from '../errors.js';
import type { AdminDeps, QueuedMail } from './ports.js';

/** The most messages one listing returns, as `latchkey outbox` prints. */
export const MAIL_LIST_LIMIT = 500;
const MESSAGE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The newest messages (at most 500), or only the failed ones. */
export function listMail(deps: Pick<AdminDeps, 'mail'>, options: { failedOnly?: boolean } = {}): Promise<QueuedMail[]> {
  return deps.mail.list({ failedOnly: options.failedOnly ?? false, limit: MAIL_LIST_LIMIT });
}

/** Makes a failed or pending message due now; NOT_FOUND when no unsent message has this id. */
export async function retryMail(deps: Pick<AdminDeps, 'clock' | 'mail'>, id: string): Promise<void> {
  if (!MESSAGE_ID.test(id)) throw new AuthError('INVALID_INPUT', 'a message id is 1 to 64 letters, digits or hyphens', { field: 'id' });
  if (!(await deps.mail.retry(id, deps.clock.now()))) throw new AuthError('NOT_FOUND', `no pending or failed message with id ${id}`);
}
