/** Administration: what the admin flows are built from, and the mail queue as an operator sees it. */
import type { CoreDeps } from '../deps.js';
import type { OidcClientStore } from '../oidc/ports.js';

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

/** The core's dependencies plus the mail queue's read-and-retry side and the OIDC clients. */
export type AdminDeps = CoreDeps & { mail: MailQueueView; oidcClients: OidcClientStore };
