/**
 * `latchkey import` and POST /api/v1/admin/import: accounts from JSON lines (records.ts), in
 * batches of `batchSize` lines, each batch one transaction with one `account_import` audit event
 * counting what it created, skipped and refused. A refused line (bad JSON, a bad identifier or
 * hash, an identifier already taken) is reported with its line number and the rest go on.
 *
 * Resumable: with `resume`, a line whose account exists already (the same id when the line has
 * one, else the same username and email on one account) is skipped, not refused, so an import
 * stopped half way (a crash, a lost connection) is run again with `--resume` on the same file.
 * A dry run makes every check, the database ones included, and writes nothing.
 */
import { newId } from '../credentials/secrets.js';
import type { CoreDeps } from '../deps.js';
import type { ClientContext, Tx } from '../ports.js';
import { isTaken } from '../accounts/identifier-rules.js';
import { foldCase } from '../accounts/identifiers.js';
import { AuthError } from '../errors.js';
import type { Account } from '../accounts/ports.js';
import { parseImportLine, RefusedLine, type ImportRecord } from './records.js';

export interface ImportOptions {
  dryRun?: boolean;
  resume?: boolean;
  /** Lines per transaction (default 500). */
  batchSize?: number;
  ctx?: ClientContext;
}

export interface ImportRefusal {
  line: number;
  reason: string;
}

export interface ImportReport {
  dryRun: boolean;
  /** Non-empty lines read. */
  lines: number;
  created: number;
  /** Lines whose account exists already (only with resume). */
  skipped: number;
  refused: number;
  /** The first 1,000 refusals, in line order. */
  refusals: ImportRefusal[];
  /** Accounts created (or that would be) with a password hash. */
  withPassword: number;
  batches: number;
}

const MAX_REPORTED = 1000;

/** True when `existing` is the account `record` describes (for resume). */
function sameAccount(existing: Account, record: ImportRecord): boolean {
  const key = (v: string | null) => (v === null ? null : foldCase(v.normalize('NFKC')));
  if (record.idGiven && existing.id !== record.account.id) return false;
  return key(existing.username) === record.account.usernameKey && key(existing.email) === record.account.emailKey;
}

/** 'create', 'skip' or the reason the record cannot be created, by what the database holds. */
async function decide(deps: Pick<CoreDeps, 'accounts'>, tx: Tx, record: ImportRecord, resume: boolean): Promise<'create' | 'skip' | string> {
  const a = record.account;
  const holders: Account[] = [];
  if (record.idGiven) {
    const byId = await deps.accounts.findById(tx, a.id);
    if (byId) holders.push(byId);
  }
  for (const key of [a.usernameKey, a.emailKey]) {
    if (key === null) continue;
    const holder = await deps.accounts.findByLoginKey(tx, key);
    if (holder && !holders.some((h) => h.id === holder.id)) holders.push(holder);
  }
  if (holders.length === 0) return 'create';
  if (resume && holders.length === 1 && sameAccount(holders[0] as Account, record)) return 'skip';
  if (record.idGiven && holders.some((h) => h.id === a.id)) return 'an account with this id exists';
  return 'username or email already in use by another account';
}

/** Imports accounts from `lines` (one JSON object each; blank lines are ignored). */
export async function importAccounts(deps: Pick<CoreDeps, 'uow' | 'accounts' | 'hasher' | 'clock' | 'policy' | 'audit'>, lines: AsyncIterable<string> | Iterable<string>, options: ImportOptions = {}): Promise<ImportReport> {
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 500, 10_000));
  const dryRun = options.dryRun === true;
  const resume = options.resume === true;
  const report: ImportReport = { dryRun, lines: 0, created: 0, skipped: 0, refused: 0, refusals: [], withPassword: 0, batches: 0 };
  const seen = new Map<string, number>(); // identifiers and ids of this file -> first line
  const refuse = (line: number, reason: string) => {
    report.refused++;
    if (report.refusals.length < MAX_REPORTED) report.refusals.push({ line, reason });
  };

  let batch: ImportRecord[] = [];
  let batchRefused = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0 && batchRefused === 0) return;
    const records = batch;
    const refusedBefore = batchRefused;
    batch = [];
    batchRefused = 0;
    report.batches++;
    const run = async (tx: Tx) => {
      let created = 0;
      let skipped = 0;
      let withPassword = 0;
      const late: ImportRefusal[] = [];
      for (const record of records) {
        const decision = await decide(deps, tx, record, resume);
        if (decision === 'skip') skipped++;
        else if (decision !== 'create') late.push({ line: record.line, reason: decision });
        else {
          if (!dryRun) await deps.accounts.insert(tx, record.account);
          created++;
          if (record.account.passwordHash !== null) withPassword++;
        }
      }
      if (!dryRun) {
        await deps.audit.record(tx, {
          type: 'account_import',
          outcome: 'success',
          ctx: options.ctx,
          detail: { batch: report.batches, created, skipped, refused: refusedBefore + late.length, withPassword },
        });
      }
      return { created, skipped, withPassword, late };
    };
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = dryRun ? await run(deps.uow.db) : await deps.uow.transaction(run);
    } catch (err) {
      // An identifier claimed by someone else between the check and the insert: the batch is
      // rolled back whole; the batches before it stay, and --resume carries on from here.
      if (!isTaken(err)) throw err;
      throw new AuthError('USERNAME_TAKEN', `batch ${report.batches} (from line ${records[0]?.line ?? '?'}) was rolled back: an identifier was taken meanwhile; run again with resume`);
    }
    report.created += result.created;
    report.skipped += result.skipped;
    report.withPassword += result.withPassword;
    for (const r of result.late) refuse(r.line, r.reason);
  };

  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const text = raw.trim();
    if (text === '') continue;
    report.lines++;
    try {
      const record = parseImportLine(deps, text, lineNo, newId);
      const a = record.account;
      const keys = [record.idGiven ? `id:${a.id}` : null, a.usernameKey, a.emailKey].filter((k): k is string => k !== null);
      const earlier = keys.map((k) => seen.get(k)).find((l) => l !== undefined);
      if (earlier !== undefined) throw new RefusedLine(`same identifier or id as line ${earlier}`);
      for (const k of keys) seen.set(k, lineNo);
      batch.push(record);
    } catch (err) {
      if (!(err instanceof RefusedLine)) throw err;
      refuse(lineNo, err.message);
      batchRefused++;
    }
    if (batch.length + batchRefused >= batchSize) await flush();
  }
  await flush();
  report.refusals.sort((x, y) => x.line - y.line);
  return report;
}
