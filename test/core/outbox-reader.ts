/** Reads queued email straight from the outbox table, the way core tests get link tokens. */
import type { TestInstance } from '../support/instance.js';

export interface QueuedMail {
  template: string;
  to: string;
  data: Record<string, string>;
}

/** Every queued message, oldest first. */
export async function queuedMail(t: TestInstance): Promise<QueuedMail[]> {
  const rows = await t.latchkey.database.db.selectFrom('outbox').selectAll().orderBy('created_at').execute();
  // Rows queued at the same fake-clock instant have no defined order: tests advance the clock between links.
  return rows.map((r) => ({ template: r.template, to: r.recipient, data: JSON.parse(r.data) as Record<string, string> }));
}

/** The messages of one template sent to `to`, oldest first. */
export async function mailTo(t: TestInstance, to: string, template: string): Promise<QueuedMail[]> {
  return (await queuedMail(t)).filter((m) => m.to === to && m.template === template);
}

/** The token of the newest message of `template` to `to`. */
export async function lastToken(t: TestInstance, to: string, template: string): Promise<string> {
  const mails = await mailTo(t, to, template);
  const token = mails.at(-1)?.data.token;
  if (!token) throw new Error(`no ${template} mail to ${to}`);
  return token;
}

/** Counts rows of a table. */
export async function countRows(t: TestInstance, table: 'accounts' | 'sessions' | 'one_time_tokens' | 'outbox'): Promise<number> {
  const row = await t.latchkey.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
