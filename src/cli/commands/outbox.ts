/**
 * `latchkey outbox`: lists queued and sent email (never the template data, which can hold a
 * link token or a password) and makes a failed or pending message due again with --retry.
 */
import { loadConfig } from '../../config/index.js';
import { isSchemaCurrent, openDatabase, type OpenedDatabase } from '../../store/index.js';
import { createOutboxQueue, type OutboxSummary } from '../../store/outbox.js';
import { UsageError, type Command } from '../command.js';

/** The parsed arguments of `latchkey outbox`. */
export interface OutboxArgs {
  failedOnly: boolean;
  json: boolean;
  retryId: string | null;
}

/** Parses `[--failed] [--retry ID] [--json]`; throws UsageError for anything else. */
export function parseOutboxArgs(args: string[]): OutboxArgs {
  const parsed: OutboxArgs = { failedOnly: false, json: false, retryId: null };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--failed') parsed.failedOnly = true;
    else if (arg === '--json') parsed.json = true;
    else if (arg === '--retry' || arg.startsWith('--retry=')) {
      const value = arg === '--retry' ? args[(i += 1)] : arg.slice('--retry='.length);
      if (!value || value.startsWith('-')) throw new UsageError('--retry needs a message ID (see `latchkey outbox`)');
      if (!/^[A-Za-z0-9-]{1,64}$/.test(value)) throw new UsageError(`"${value.slice(0, 64)}" is not a message ID`);
      parsed.retryId = value;
    } else throw new UsageError(`unexpected argument "${arg}"`);
  }
  if (parsed.retryId !== null && parsed.failedOnly) throw new UsageError('use either --retry or --failed, not both');
  return parsed;
}

/** Runs the command against an opened database and returns what to print and the exit status. */
export async function runOutbox(args: OutboxArgs, database: OpenedDatabase, now: number): Promise<{ output: string; status: number }> {
  const queue = createOutboxQueue(database.db, database.dialect);
  if (args.retryId !== null) {
    const ok = await queue.retry(args.retryId, now);
    if (args.json) return { output: JSON.stringify({ id: args.retryId, retried: ok }), status: ok ? 0 : 1 };
    return ok
      ? { output: `message ${args.retryId} is due now; a running server sends it within its poll interval`, status: 0 }
      : { output: `no pending or failed message with ID ${args.retryId}`, status: 1 };
  }
  const rows = await queue.list({ failedOnly: args.failedOnly, limit: 500 });
  if (args.json) return { output: JSON.stringify(rows.map(toJson), null, 2), status: 0 };
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
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}

/** The `latchkey outbox` subcommand. */
export const outboxCommand: Command = {
  help: [
    'Usage: latchkey outbox [--failed] [--json]',
    '       latchkey outbox --retry ID [--json]',
    '',
    'Lists the newest 500 messages of the mail outbox at DATABASE_URL: id, template, recipient,',
    'status (pending, sent, failed), attempts, creation time and the last error. Message contents',
    'and link tokens are never shown. Without SMTP_URL (the dev outbox) messages count as sent and',
    'their links are in the server log.',
    '',
    '  --failed     only messages that gave up after repeated errors',
    '  --retry ID   make a failed or pending message due now (a failed one gets fresh attempts)',
    '  --json       machine-readable output',
  ].join('\n'),
  async run(rawArgs) {
    const args = parseOutboxArgs(rawArgs);
    const config = loadConfig();
    const database = await openDatabase(config.databaseUrl);
    try {
      if (!(await isSchemaCurrent(database))) {
        process.stderr.write('latchkey outbox: the database schema is not current; run `latchkey migrate` first\n');
        return 1;
      }
      const { output, status } = await runOutbox(args, database, Date.now());
      (status === 0 ? process.stdout : process.stderr).write(`${output}\n`);
      return status;
    } finally {
      await database.close();
    }
  },
};
