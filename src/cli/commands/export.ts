/**
 * `latchkey export [--with-hashes] [--sessions] [FILE]`: every account as a JSON line in the
 * import format (README, "Moving users in and out"), to FILE (created with mode 0600, refused if
 * it exists) or standard output. Password hashes only with --with-hashes; every export is an
 * `account_export` audit event saying whether hashes were included.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { CLI_CONTEXT, UsageError, type Command } from '../command.js';
import { loadConfig } from '../../config/index.js';
import { parseFlags, shown } from '../args.js';
import { openAdmin } from './user.js';

export interface ExportArgs {
  file: string | null;
  withHashes: boolean;
  sessions: boolean;
}

/** Parses the arguments after `export`; throws UsageError for anything else. */
export function parseExportArgs(args: string[]): ExportArgs {
  const flags = parseFlags(args, { switches: ['--with-hashes', '--sessions'] });
  const [file, extra] = flags.positional;
  if (extra !== undefined) throw new UsageError(`unexpected argument ${shown(extra)}`);
  return { file: file === undefined || file === '-' ? null : file, withHashes: flags.switches.has('--with-hashes'), sessions: flags.switches.has('--sessions') };
}

const HELP = `Usage:
  latchkey export [--with-hashes] [--sessions] [FILE]

Writes every account as one JSON line, in the format latchkey import reads, to FILE (created
with mode 0600; refused if it exists) or to standard output.
--with-hashes  includes the password hashes, so the users keep their passwords on the Latchkey
               that imports the file. Treat such a file like the database itself.
--sessions     lists each account's live logins (when and from where; never a secret). They are
               for the record: sessions do not move, users log in again after an import.
Every export is an account_export audit event (with whether hashes were included).
Exit status: 0 done, 1 error, 2 bad arguments.`;

export const exportCommand: Command = {
  help: HELP,
  async run(args) {
    const parsed = parseExportArgs(args);
    const { admin, close } = await openAdmin(loadConfig());
    let handle: FileHandle | null = null;
    try {
      if (parsed.file !== null) {
        handle = await open(parsed.file, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot create ${parsed.file}: ${err.code ?? err.message}`);
        });
      }
      const file = handle;
      let count = 0;
      let chunk = '';
      const write = async (text: string) => {
        if (file) await file.write(text);
        else if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      };
      for await (const line of admin.exportAccounts({ withHashes: parsed.withHashes, sessions: parsed.sessions, ctx: CLI_CONTEXT })) {
        chunk += `${line}\n`;
        count++;
        if (chunk.length > 65_536) {
          await write(chunk);
          chunk = '';
        }
      }
      await write(chunk);
      process.stderr.write(`exported ${count} account(s)${parsed.withHashes ? ' with password hashes' : ''}\n`);
      return 0;
    } finally {
      await handle?.close();
      await close();
    }
  },
};
