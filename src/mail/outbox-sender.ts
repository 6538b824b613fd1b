/**
 * The outbox sender: delivers queued emails and survives mail-server outages and restarts.
 *
 * Stored: each outbox row holds its template data (a link token or a generated password) only
 * until delivery, then the data is cleared to '{}'. Claims expire: a sender leases the rows it
 * takes (`locked_until`), so a node that crashes mid-send only delays its rows until the lease
 * passes, and several nodes on one database never send one message twice while a lease holds.
 * Failures back off exponentially (2 s, 4 s, ... capped at 5 min, or at OUTBOX_MAX_BACKOFF); after
 * `maxAttempts` a row is 'failed' until an operator runs `latchkey outbox --retry ID`. Errors are
 * recorded as a short code and SMTP reply line, never the message or its data. All times come
 * from the injected Clock.
 */
import type { Clock } from '../core/ports.js';
import type { OutboxQueue, OutboxRow } from '../core/outbox/ports.js';
import type { MailLog, Mailer } from './mailer.js';
import { TemplateDataError, type MailRenderer } from './templates/index.js';

/** What a sender needs: the queue, a mailer, the clock, a logger, the renderer (brand, language, PUBLIC_URL links) and its timing. */
export interface OutboxSenderOptions {
  queue: OutboxQueue;
  mailer: Mailer;
  clock: Clock;
  log: MailLog;
  renderer: MailRenderer;
  /** Pause between polls when nothing is due, in ms. */
  pollIntervalMs: number;
  /** How long a claim lasts, in ms (default 60 s, well above the SMTP timeouts). */
  leaseMs?: number;
  /** Attempts before a row becomes 'failed' (default 20). */
  maxAttempts?: number;
  /** Rows claimed per batch (default 10). */
  batchSize?: number;
  /** The longest wait between two attempts of one email, in ms (default 5 min). */
  maxBackoffMs?: number;
}

/** A running or idle sender of one node. */
export interface OutboxSender {
  /** Starts polling for due messages. */
  start(): void;
  /** Stops polling and waits for the send in flight; claimed rows not yet sent are released. */
  stop(): Promise<void>;
  /** Delivers everything due now (batch after batch); resolves to the number of messages sent. */
  flush(): Promise<number>;
}

const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** The delay before the next attempt after `attempts` failed ones: 2 s doubling, capped at `maxMs` (default 5 min). */
export function backoffMs(attempts: number, maxMs: number = MAX_BACKOFF_MS): number {
  return Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), maxMs);
}

/** A short, one-line description of a send failure that holds no message content. */
export function describeFailure(err: unknown): string {
  if (err instanceof TemplateDataError) return `template: ${err.message}`.slice(0, 200);
  const e = err as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : 'ERROR';
  const reply = typeof e?.response === 'string' ? e.response : typeof e?.message === 'string' ? e.message : String(err);
  const line = reply.split(/[\r\n]/)[0] ?? '';
  return `${code}${typeof e?.responseCode === 'number' ? ` ${e.responseCode}` : ''}: ${line}`.slice(0, 200);
}

/** Builds a sender over the outbox queue; it does nothing until start() or flush(). */
export function createOutboxSender(options: OutboxSenderOptions): OutboxSender {
  const { queue, mailer, clock, log, renderer, pollIntervalMs } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 20;
  const batchSize = options.batchSize ?? 10;
  const maxBackoffMs = options.maxBackoffMs ?? MAX_BACKOFF_MS;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let inFlight: Promise<unknown> = Promise.resolve();

  async function deliver(row: OutboxRow, leaseUntil: number): Promise<boolean> {
    try {
      if (/[\r\n]/.test(row.recipient)) throw new TemplateDataError('recipient contains a line break');
      const data = JSON.parse(row.data) as Record<string, string>;
      // Rendered at send time in the language stored with the row (docs/branding.md#emails).
      const rendered = renderer.render(row.template, data, row.language ?? null);
      await mailer.send({ ...rendered, to: row.recipient });
    } catch (err) {
      const attempts = row.attempts + 1;
      // Bad data never gets better: give up at once instead of retrying it 20 times.
      const giveUp = err instanceof TemplateDataError || err instanceof SyntaxError || attempts >= maxAttempts;
      const error = err instanceof SyntaxError ? 'template: data is not valid JSON' : describeFailure(err);
      await queue.markFailed(row.id, leaseUntil, { error, giveUp, nextAttemptAt: clock.now() + backoffMs(attempts, maxBackoffMs) });
      log.warn({ event: 'mail_send_failed', outboxId: row.id, template: row.template, attempts, gaveUp: giveUp, error }, 'email not delivered');
      return false;
    }
    const recorded = await queue.markSent(row.id, leaseUntil, clock.now(), { keepData: mailer.kind === 'dev' });
    if (!recorded) log.warn({ event: 'mail_claim_lost', outboxId: row.id }, 'email sent after its claim expired');
    log.info({ event: 'mail_sent', outboxId: row.id, template: row.template, mailer: mailer.kind }, 'email sent');
    return true;
  }

  // The polling loop stops between messages once stop() is called; flush() always drains.
  async function drain(loop: boolean): Promise<number> {
    let sent = 0;
    for (;;) {
      if (loop && !running) return sent;
      const now = clock.now();
      const leaseUntil = now + leaseMs;
      const rows = await queue.claimDue(now, leaseUntil, batchSize);
      if (rows.length === 0) return sent;
      for (const [i, row] of rows.entries()) {
        if (loop && !running) {
          for (const rest of rows.slice(i)) await queue.release(rest.id, leaseUntil);
          return sent;
        }
        if (await deliver(row, leaseUntil)) sent += 1;
      }
    }
  }

  function track<T>(work: Promise<T>): Promise<T> {
    const settled = work.catch(() => undefined);
    inFlight = Promise.all([inFlight, settled]);
    return work;
  }

  async function tick(): Promise<void> {
    try {
      await track(drain(true));
    } catch (err) {
      log.warn({ event: 'mail_sender_error', error: describeFailure(err) }, 'outbox poll failed; will retry');
    }
    if (running) timer = setTimeout(() => void tick(), pollIntervalMs).unref();
  }

  return {
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(() => void tick(), 0).unref();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    flush() {
      return track(drain(false));
    },
  };
}
