/**
 * Every command's flags, parsed by node:util `parseArgs` (strict: an unknown flag, a missing
 * value or a value given twice is a UsageError with one line). `--flag value` and
 * `--flag=value` both work; `--` ends the flags, so a name starting with `-` can follow it.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

/** Flags and positionals of one command line. */
export interface ParsedFlags {
  positional: string[];
  values: Map<string, string>;
  switches: Set<string>;
}

/** The flags a command takes, spelled with their dashes: `--limit` takes a value, `--json` does not. */
export interface FlagSpec {
  values?: string[];
  switches?: string[];
}

/** An argument as shown in an error: quoted, at most 64 characters. */
export function shown(arg: string): string {
  return JSON.stringify(arg.slice(0, 64));
}

/** Splits `args` by `spec`; a UsageError for anything unknown, a value missing or empty, or a flag given twice. */
export function parseFlags(args: string[], spec: FlagSpec): ParsedFlags {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const flag of spec.values ?? []) options[flag.slice(2)] = { type: 'string', multiple: true };
  for (const flag of spec.switches ?? []) options[flag.slice(2)] = { type: 'boolean', multiple: true };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageErrorOf(err, args);
  }
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (const [name, given] of Object.entries(parsed.values)) {
    const list = given as Array<string | boolean>;
    if (list.length > 1) throw new UsageError(`--${name} given twice`);
    const value = list[0];
    if (typeof value === 'boolean') switches.add(`--${name}`);
    else if (value === '' || value === undefined) throw new UsageError(`--${name} needs a value`);
    else values.set(`--${name}`, value);
  }
  return { positional: parsed.positionals, values, switches };
}

/** The sub-action (first argument) and its flags. */
export function parseAction(args: string[], spec: FlagSpec): { action: string | undefined; flags: ParsedFlags } {
  const [action, ...rest] = args;
  return { action, flags: parseFlags(rest, spec) };
}

/** The one positional argument; UsageError when it is missing or there are more. */
export function onePositional(flags: ParsedFlags, what: string): string {
  const [first, second] = flags.positional;
  if (first === undefined) throw new UsageError(what);
  if (second !== undefined) throw new UsageError(`unexpected argument ${shown(second)}`);
  return first;
}

/** UsageError unless there is no positional argument. */
export function noPositional(flags: ParsedFlags): void {
  const [first] = flags.positional;
  if (first !== undefined) throw new UsageError(`unexpected argument ${shown(first)}`);
}

// parseArgs names the flag in quotes; its codes say what is wrong.
function usageErrorOf(err: unknown, args: string[]): Error {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const name = /'(-[^' <,]+)/.exec(message)?.[1];
  if (name === undefined || code === undefined) return err instanceof Error ? err : new Error(message);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && !message.includes('does not take an argument')) return new UsageError(`${name} needs a value`);
  const given = args.find((a) => a === name || a.startsWith(`${name}=`)) ?? name;
  return new UsageError(`unexpected argument ${shown(given)}`);
}
