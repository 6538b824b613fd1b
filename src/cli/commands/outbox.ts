/**
 * `latchkey outbox`: lists queued and sent email (never the template data, which can hold a
 * link token or a password) and makes a failed or pending message due again with --retry.
 */
import { loadConfig } from '../../config/index.js';
import type { OpenedDatabase } from '../../store/index.js';
import { createOutboxQueue, type OutboxSummary } from '../../store/outbox.js';
import { noPositional, parseFlags, shown } from '../args.js';
import { jsonText, textTable, UsageError, type Command } from '../command.js';
import { openMigratedDatabase } from '../database.js';
import { createDevMailbox, mailRendererFor } from '../dev-mailbox.js';
import type { MailRenderer } from '../../mail/templates/index.js';
import { formatDevMessage } from './outbox-show.js';

/** The parsed arguments of `latchkey outbox`. */
export interface OutboxArgs {
  failedOnly: boolean;
  json: boolean;
  retryId: string | null;
  showId: string | null;
}

function messageId(flag: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (!/^[A-Za-z0-9-]{1,64}$/.test(value)) throw new UsageError(`${flag}: ${shown(value)} is not a message ID`);
  return value;
}

/** Parses `[--failed] [--retry ID | --show ID] [--json]`; throws UsageError for anything else. */
export function parseOutboxArgs(args: string[]): OutboxArgs {
  const flags = parseFlags(args, { values: ['--retry', '--show'], switches: ['--failed', '--json'] });
  noPositional(flags);
  const parsed: OutboxArgs = {
    failedOnly: flags.switches.has('--failed'),
    json: flags.switches.has('--json'),
    retryId: messageId('--retry', flags.values.get('--retry')),
    showId: messageId('--show', flags.values.get('--show')),
  };
  if ([parsed.retryId !== null, parsed.showId !== null, parsed.failedOnly].filter(Boolean).length > 1) throw new UsageError('use one of --retry, --show and --failed');
  return parsed;
}

/** Runs the command against an opened database and returns what to print and the exit status. */
export async function runOutbox(args: OutboxArgs, database: OpenedDatabase, now: number, renderer: MailRenderer): Promise<{ output: string; status: number }> {
  const queue = createOutboxQueue(database.db, database.dialect);
  if (args.showId !== null) {
    const message = await createDevMailbox(queue, renderer).find(args.showId);
    if (message === null) return { output: args.json ? jsonText({ error: 'not_found', message: `no message with ID ${args.showId}` }) : `no message with ID ${args.showId}`, status: 1 };
    return { output: formatDevMessage(message, args.json), status: 0 };
  }
  if (args.retryId !== null) {
    const ok = await queue.retry(args.retryId, now);
    if (args.json) return { output: jsonText({ id: args.retryId, retried: ok }), status: ok ? 0 : 1 };
    return ok
      ? { output: `message ${args.retryId} is due now; a running server sends it within its poll interval`, status: 0 }
      : { output: `no pending or failed message with ID ${args.retryId}`, status: 1 };
  }
  const rows = await queue.list({ failedOnly: args.failedOnly, limit: 500 });
  if (args.json) return { output: jsonText(rows.map(toJson)), status: 0 };
  return { output: formatTable(rows), status: 0 };
}

function toJson(row: OutboxSummary): Record<string, unknown> {
  return {
    id: row.id,
    template: row.template,
    recipient: row.recipient,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at).toISOString(),
    nextAttemptAt: row.status === 'pending' ? new Date(row.next_attempt_at).toISOString() : null,
    sentAt: row.sent_at === null ? null : new Date(row.sent_at).toISOString(),
    lastError: row.last_error,
  };
}

// Stored values are printed to a terminal: control characters become '?' so none can forge output.
function clean(value: string | null): string {
  return (value ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function formatTable(rows: OutboxSummary[]): string {
  if (rows.length === 0) return 'no messages';
  const header = ['ID', 'TEMPLATE', 'RECIPIENT', 'STATUS', 'ATTEMPTS', 'CREATED', 'LAST ERROR'];
  const lines = rows.map((r) => [
    r.id,
    r.template,
    clean(r.recipient),
    r.status,
    String(r.attempts),
    new Date(r.created_at).toISOString(),
    clean(r.last_error),
  ]);
  return textTable([header, ...lines], { trimEnd: true });
}

/** The `latchkey outbox` subcommand. */
export const outboxCommand: Command = {
  help: [
    'Usage: latchkey outbox [--failed] [--json]',
    '       latchkey outbox --retry ID [--json]',
    '       latchkey outbox --show ID [--json]',
    '',
    'Lists the newest 500 messages of the mail outbox at DATABASE_URL: id, template, recipient,',
    'status (pending, sent, failed), attempts, creation time and the last error. Message contents',
    'and link tokens are never shown in this list. Without SMTP_URL (the dev outbox) messages count',
    'as sent, and their links are in the server log, at /dev/mail and shown by --show.',
    '',
    '  --failed     only messages that gave up after repeated errors',
    '  --retry ID   make a failed or pending message due now (a failed one gets fresh attempts)',
    '  --show ID    print a dev-outbox message as its recipient would read it, with its links',
    '               (only without SMTP_URL: with it, mail leaves and its links are not kept)',
    '  --json       machine-readable output',
  ].join('\n'),
  async run(rawArgs) {
    const args = parseOutboxArgs(rawArgs);
    const config = loadConfig();
    if (args.showId !== null && config.smtpUrl !== null) throw new UsageError('--show works with the dev outbox only (SMTP_URL unset): sent mail keeps no links');
    const database = await openMigratedDatabase(config);
    try {
      const { output, status } = await runOutbox(args, database, Date.now(), mailRendererFor(config));
      (status === 0 ? process.stdout : process.stderr).write(`${output}\n`);
      return status;
    } finally {
      await database.close();
    }
  },
};
