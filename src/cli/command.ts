import type { ClientContext } from '../core/ports.js';

/** The audit context of every command: no address, no request. */
export const CLI_CONTEXT: ClientContext = { ip: null, userAgent: null, surface: 'cli' };

/** The shape of a CLI subcommand (its one-line summary is in main.ts, so `latchkey --help` loads no command). */
export interface Command {
  /** The full `--help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(args: string[]): Promise<number>;
}

/** Bad arguments: printed as one line, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Throws UsageError unless `args` holds only the allowed flags. */
export function expectNoArguments(args: string[], allowed: string[] = []): void {
  const unknown = args.find((a) => !allowed.includes(a));
  if (unknown !== undefined) throw new UsageError(`unexpected argument "${unknown}"`);
}

/** JSON output of every command: indented by two spaces, the same everywhere (README, "Command line"). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Rows (the header first) as aligned text columns two spaces apart, the last column unpadded; `trimEnd` drops each line's trailing spaces. */
export function textTable(rows: string[][], options: { trimEnd?: boolean } = {}): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]): string => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  ');
  return rows.map((r) => (options.trimEnd ? line(r).trimEnd() : line(r))).join('\n');
}
