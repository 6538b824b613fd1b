/**
 * `latchkey import [--dry-run] [--resume] [--batch N] [--json] FILE`: creates accounts from JSON
 * lines (FILE, or `-` for standard input) with their existing password hashes; the format and the
 * accepted hashes are in README ("Moving users in and out"). Refused lines are listed with their
 * line number and reason; the others are imported in transactions of N lines (default 500),
 * each an `account_import` audit event. Exit status: 0 every line imported (or skipped),
 * 1 some refused, 2 bad arguments.
 */
import { createReadStream } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { ImportReport } from '../../core/import/run.js';
import { CLI_CONTEXT, jsonText, UsageError, type Command } from '../command.js';
import { loadConfig } from '../../config/index.js';
import { parseFlags, shown } from '../args.js';
import { openAdmin } from './user.js';

export interface ImportArgs {
  file: string;
  dryRun: boolean;
  resume: boolean;
  batchSize: number;
  json: boolean;
}

/** Parses the arguments after `import`; throws UsageError for anything else. */
export function parseImportArgs(args: string[]): ImportArgs {
  const flags = parseFlags(args, { values: ['--batch'], switches: ['--dry-run', '--resume', '--json'] });
  const [file, extra] = flags.positional;
  if (file === undefined) throw new UsageError('name the file to import (- for standard input)');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
  const batch = flags.values.get('--batch') ?? '500';
  if (!/^\d{1,5}$/.test(batch) || Number(batch) < 1 || Number(batch) > 10_000) throw new UsageError('--batch must be 1 to 10000');
  return { file, dryRun: flags.switches.has('--dry-run'), resume: flags.switches.has('--resume'), batchSize: Number(batch), json: flags.switches.has('--json') };
}

/** The report as text: the counts, then one line per refused line. */
export function describeImport(report: ImportReport): string {
  const verb = report.dryRun ? 'would create' : 'created';
  const lines = [
    `${report.lines} line(s): ${verb} ${report.created} account(s) (${report.withPassword} with a password hash), skipped ${report.skipped} existing, refused ${report.refused}`,
    ...report.refusals.map((r) => `line ${r.line}: ${r.reason}`),
  ];
  if (report.refused > report.refusals.length) lines.push(`(${report.refused - report.refusals.length} more refusals not listed)`);
  if (report.dryRun) lines.push('dry run: nothing was written');
  return lines.join('\n');
}

const HELP = `Usage:
  latchkey import [--dry-run] [--resume] [--batch N] [--json] FILE

Creates accounts from FILE (- reads standard input): JSON lines, one account each,
  {"username"?, "email"?, "emailVerified"?, "passwordHash"?, "keycloakCredential"?,
   "status"?, "createdAt"?, "id"?}
with the password hashes they had elsewhere: bcrypt ($2a$/$2b$/$2y$), argon2id/argon2i,
scrypt ($scrypt$ln=..,r=..,p=..$salt$hash), Django pbkdf2_sha256$..., Keycloak PBKDF2
credentials (README, "Moving users in and out"). Each is checked at the user's next login and
replaced by argon2id then. The password policy applies at the next password change.

--dry-run   makes every check and lists what would be refused and why; writes nothing.
--resume    skips lines whose account exists already (same id, or same username and email),
            to carry on after an interrupted import; without it they are refused.
--batch N   lines per transaction (default 500); each batch is one account_import audit event.
--json      prints the report as JSON.
Exit status: 0 all imported or skipped, 1 some line refused (or an error), 2 bad arguments.`;

export const importCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseImportArgs(args);
    // The database first: lines read while it connects would be lost.
    const { admin, close } = await openAdmin(loadConfig());
    let lines: Interface | null = null;
    try {
      const input = parsed.file === '-' ? process.stdin : createReadStream(parsed.file, { encoding: 'utf8' });
      await new Promise<void>((resolve, reject) => {
        if (parsed.file === '-') return resolve();
        input.once('open', () => resolve());
        input.once('error', (err: Error) => reject(new UsageError(`cannot read ${parsed.file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
      });
      lines = createInterface({ input, crlfDelay: Infinity });
      const report = await admin.importAccounts(lines, { dryRun: parsed.dryRun, resume: parsed.resume, batchSize: parsed.batchSize, ctx: CLI_CONTEXT });
      // The report goes to standard output even when lines were refused (exit status 1).
      process.stdout.write(`${parsed.json ? jsonText(report) : describeImport(report)}\n`);
      return report.refused > 0 ? 1 : 0;
    } finally {
      lines?.close();
      await close();
    }
  },
};
