/**
 * The dev outbox as people read it: the messages Latchkey would have sent, with their links,
 * while no SMTP server is configured (README, "Development mail"). Served only on a loopback
 * listener outside production, and by `latchkey outbox --show`; production never has one.
 */

/** One message of the dev outbox, rendered as its recipient would read it. */
export interface DevMailMessage {
  id: string;
  template: string;
  recipient: string;
  /** pending, sent or failed. */
  status: string;
  createdAt: number;
  /** The subject, or null when the contents were not kept (sent through SMTP, or before this was kept). */
  subject: string | null;
  /** The plain-text body, or null when not kept. */
  text: string | null;
  /** Every link in the message, the action link first. */
  links: string[];
}

/** Reads the dev outbox. */
export interface DevMailbox {
  /** The newest `limit` messages, newest first. */
  recent(limit: number): Promise<DevMailMessage[]>;
  /** One message by id, or null. */
  find(id: string): Promise<DevMailMessage | null>;
}
