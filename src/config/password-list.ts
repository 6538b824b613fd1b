/**
 * The shipped list of common passwords (resources/common-passwords.txt: the most common first,
 * one per line, NFKC and lower-cased, `#` lines are comments). Read once per process, at
 * start-up, by the wiring; the core only receives the set. Resolved from this module's own
 * location, two levels below the package root both as src/config/*.ts and dist/config/*.js.
 */
import { readFileSync } from 'node:fs';

const LIST_URL = new URL('../../resources/common-passwords.txt', import.meta.url);

let loaded: ReadonlySet<string> | null = null;

/** Parses the list's text: one password per line, `#` comment lines and blank lines skipped. */
export function parseCommonPasswords(text: string): ReadonlySet<string> {
  const passwords = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    passwords.add(line.normalize('NFKC').toLowerCase());
  }
  return passwords;
}

/** The common passwords shipped with Latchkey, read from disk on the first call only. */
export function loadCommonPasswords(): ReadonlySet<string> {
  if (loaded) return loaded;
  let text: string;
  try {
    text = readFileSync(LIST_URL, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the common-password list ${LIST_URL.pathname}: ${(err as Error).message}`);
  }
  const passwords = parseCommonPasswords(text);
  if (passwords.size === 0) throw new Error(`the common-password list ${LIST_URL.pathname} is empty`);
  loaded = passwords;
  return loaded;
}
