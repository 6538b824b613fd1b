/**
 * The shipped list of common passwords (resources/common-passwords.txt: the most common first,
 * one per line, NFKC and lower-cased, `#` lines are comments). Read once per process, at
 * start-up, by the wiring; the core only receives the set. Resolved from this module's own
 * location, two levels below the package root both as src/config/*.ts and dist/config/*.js.
 *
 * Kept as one sorted string and the offsets of its entries, searched by halving: about a tenth
 * of the memory of a Set of 17,950 strings, which stayed in every server's heap for the
 * occasional registration or password change (docs/decisions.md, *Peak memory in the mixed
 * workload*).
 */
import { readFileSync } from 'node:fs';
import type { WordList } from '../core/credentials/ports.js';
import { packageUrl } from './package-root.js';

const LIST_URL = packageUrl('resources/common-passwords.txt');

let loaded: WordList | null = null;

/** -1, 0 or 1 as `a` sorts before, with or after `text.slice(start, end)`, by UTF-16 code unit. */
function compareAt(a: string, text: string, start: number, end: number): number {
  const length = end - start;
  const shorter = Math.min(a.length, length);
  for (let i = 0; i < shorter; i++) {
    const d = a.charCodeAt(i) - text.charCodeAt(start + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === length ? 0 : a.length < length ? -1 : 1;
}

/** A fixed set of strings in one sorted string (entries must not contain a newline). */
class SortedWords implements WordList {
  readonly size: number;
  readonly #text: string;
  readonly #starts: Uint32Array; // entry i is text.slice(starts[i], starts[i + 1] - 1)

  constructor(words: Iterable<string>) {
    const sorted = [...new Set(words)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.size = sorted.length;
    this.#text = sorted.join('\n') + '\n';
    this.#starts = new Uint32Array(sorted.length + 1);
    let at = 0;
    sorted.forEach((word, i) => {
      this.#starts[i] = at;
      at += word.length + 1;
    });
    this.#starts[sorted.length] = at;
  }

  has(word: string): boolean {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const c = compareAt(word, this.#text, this.#starts[mid]!, this.#starts[mid + 1]! - 1);
      if (c === 0) return true;
      if (c < 0) high = mid - 1;
      else low = mid + 1;
    }
    return false;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.size; i++) yield this.#text.slice(this.#starts[i]!, this.#starts[i + 1]! - 1);
  }
}

/** Parses the list's text: one password per line, `#` comment lines and blank lines skipped. */
export function parseCommonPasswords(text: string): WordList {
  const passwords: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    passwords.push(line.normalize('NFKC').toLowerCase());
  }
  return new SortedWords(passwords);
}

/** The common passwords shipped with Latchkey, read from disk on the first call only. */
export function loadCommonPasswords(): WordList {
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
