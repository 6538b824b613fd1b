/**
 * The `latchkey` command. Each subcommand is one module under commands/; this file only
 * dispatches. Bad arguments or configuration: one line on stderr and exit status 2 or 1; with
 * `--json`, the error is a JSON object on stderr instead (README, "Command line").
 */
import { ConfigError } from '../config/index.js';
import { packageVersion } from '../config/version.js';
import { jsonText, UsageError, type Command } from './command.js';

/** Each command's one-line summary, and its module, loaded only when that command runs. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the HTTP server (runs pending migrations first)', load: async () => (await import('./commands/serve.js')).serveCommand },
  migrate: { summary: 'apply pending database migrations', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  outbox: { summary: 'list queued email, or retry a failed one', load: async () => (await import('./commands/outbox.js')).outboxCommand },
  keys: { summary: 'list, rotate or retire the JWT signing keys', load: async () => (await import('./commands/keys.js')).keysCommand },
  promo: { summary: 'add or list promo codes', load: async () => (await import('./commands/promo.js')).promoCommand },
  service: { summary: 'add, list or revoke service keys (for /api/v1/introspect)', load: async () => (await import('./commands/service.js')).serviceCommand },
  client: { summary: 'add, list or revoke OpenID Connect clients (apps signing in with Latchkey)', load: async () => (await import('./commands/client.js')).clientCommand },
  audit: { summary: 'show security events (logins, resets, deletions ...)', load: async () => (await import('./commands/audit.js')).auditCommand },
  user: { summary: 'add, list, show, disable, enable or delete accounts; set a password', load: async () => (await import('./commands/user.js')).userCommand },
  sessions: { summary: 'end every session of an account', load: async () => (await import('./commands/sessions.js')).sessionsCommand },
  backup: { summary: 'copy the SQLite database while it serves', load: async () => (await import('./commands/backup.js')).backupCommand },
  restore: { summary: 'put a SQLite backup back (servers stopped)', load: async () => (await import('./commands/restore.js')).restoreCommand },
  'master-key': { summary: 'new, seal or rotate the master key (MASTER_KEY)', load: async () => (await import('./commands/master-key.js')).masterKeyCommand },
  import: { summary: 'create accounts from JSON lines, with their existing password hashes', load: async () => (await import('./commands/import.js')).importCommand },
  export: { summary: 'write every account as JSON lines (the import format)', load: async () => (await import('./commands/export.js')).exportCommand },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['Usage: latchkey <command> [options]', '       latchkey --version', '', 'Commands:', ...lines, '', 'Run `latchkey <command> --help` for details.'].join('\n');
}

/** What failed, as the exit status and the words shown. */
function failure(name: string, err: unknown): { status: number; kind: string; prefix: string; message: string } {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ConfigError) return { status: 1, kind: 'invalid_configuration', prefix: 'latchkey: invalid configuration: ', message };
  if (err instanceof UsageError) return { status: 2, kind: 'usage', prefix: `latchkey ${name}: `, message };
  return { status: 1, kind: 'failed', prefix: `latchkey ${name}: `, message };
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(rest.includes('--json') ? `${jsonText({ version: packageVersion() })}\n` : `latchkey ${packageVersion()}\n`);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`latchkey: unknown command "${name}"; run latchkey --help\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    if (name !== 'serve') await warnAboutVariables();
    return await command.run(rest);
  } catch (err) {
    const { status, kind, prefix, message } = failure(name, err);
    process.stderr.write(rest.includes('--json') ? `${jsonText({ error: kind, message })}\n` : `${prefix}${message}\n`);
    return status;
  }
}

// Misspelled variables, on stderr (serve shows them in its start-up summary or log instead).
async function warnAboutVariables(): Promise<void> {
  const { misspelledVariables } = await import('../config/env-names.js');
  let warnings: string[];
  try {
    warnings = misspelledVariables();
  } catch {
    return; // an invalid value: the command itself reports it
  }
  for (const warning of warnings) process.stderr.write(`latchkey: warning: ${warning}\n`);
}

const status = await runCli(process.argv.slice(2));
if (status !== 0 || !process.argv.slice(2).includes('serve')) process.exitCode = status;
