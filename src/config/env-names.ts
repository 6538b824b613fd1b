/**
 * Variables that look like Latchkey's but are not: a misspelled name (`PASWORD_MIN_LENGTH`) is
 * otherwise silently ignored and its default used. Two tests, both warnings (never errors: the
 * environment is shared with other software): a name within a small edit distance of a setting,
 * or a name under one of the prefixes only Latchkey's settings use (README, "Configuration").
 */
import { loadConfig } from './index.js';
import type { Env } from './read.js';

/** Prefixes that belong to Latchkey: an unknown variable starting with one is a mistake. */
export const LATCHKEY_PREFIXES = ['LATCHKEY_', 'SMTP_', 'REDIS_', 'METRICS_', 'ARGON2_', 'MASTER_KEY', 'JWT_', 'REFRESH_', 'OUTBOX_', 'AUDIT_', 'CSRF_', 'ADMIN_API', 'PASSWORD_', 'LOGIN_', 'BRAND_', 'MFA_'];

/** Every variable loadConfig reads, found by watching it read `env`. */
export function settingNames(env: Env = process.env): Set<string> {
  const names = new Set<string>();
  const watched = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') names.add(key);
      return target[key as string];
    },
  });
  loadConfig(watched);
  return names;
}

/** One warning per variable in `env` that looks like a setting but is none. */
export function misspelledVariables(env: Env = process.env): string[] {
  const known = settingNames(env);
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || !/^[A-Z][A-Z0-9_]*$/.test(name)) continue;
    const near = nearest(name, known);
    if (near !== null) warnings.push(`${name} is not a Latchkey setting and is ignored; did you mean ${near}?`);
    else if (LATCHKEY_PREFIXES.some((p) => name.startsWith(p))) {
      const prefix = LATCHKEY_PREFIXES.find((p) => name.startsWith(p)) as string;
      const siblings = [...known].filter((k) => k.startsWith(prefix)).sort();
      warnings.push(`${name} is not a Latchkey setting and is ignored (settings starting with ${prefix}: ${siblings.join(', ') || 'none'})`);
    }
  }
  return warnings;
}

/** The known name within edit distance 1 (names of 6+ characters) or 2 (10+), if exactly one is that close. */
function nearest(name: string, known: Set<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const allowed = candidate.length >= 10 ? 2 : candidate.length >= 6 ? 1 : 0;
    if (allowed === 0 || Math.abs(candidate.length - name.length) > allowed) continue;
    const d = editDistance(name, candidate);
    if (d <= allowed && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = d;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
