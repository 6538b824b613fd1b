/**
 * The `latchkey` command. Each subcommand is one module under commands/; this file only
 * dispatches. Bad arguments or configuration: one line on stderr and exit status 2 or 1.
 */
import { ConfigError } from '../config/index.js';
import { auditCommand } from './commands/audit.js';
import { keysCommand } from './commands/keys.js';
import { migrateCommand } from './commands/migrate.js';
import { outboxCommand } from './commands/outbox.js';
import { promoCommand } from './commands/promo.js';
import { serveCommand } from './commands/serve.js';
import { serviceCommand } from './commands/service.js';
import { sessionsCommand } from './commands/sessions.js';
import { userCommand } from './commands/user.js';
import { UsageError, type Command } from './command.js';

const commands: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  outbox: outboxCommand,
  keys: keysCommand,
  promo: promoCommand,
  service: serviceCommand,
  audit: auditCommand,
  user: userCommand,
  sessions: sessionsCommand,
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['Usage: latchkey <command> [options]', '', 'Commands:', ...lines, '', 'Run `latchkey <command> --help` for details.'].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`latchkey: unknown command "${name}"; run latchkey --help\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`latchkey: invalid configuration: ${err.message}\n`);
      return 1;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`latchkey ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`latchkey ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const status = await runCli(process.argv.slice(2));
if (status !== 0 || !process.argv.slice(2).includes('serve')) process.exitCode = status;
