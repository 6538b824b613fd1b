/**
 * Times as people read them: relative to now in the page's language ("3 hours ago", "vor 3
 * Stunden"), with the exact UTC time for a `title` (pages have no script to learn the viewer's zone).
 */
import type { Language } from './language.js';

const UNITS: ReadonlyArray<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const formats = new Map<Language, Intl.RelativeTimeFormat>();

/** "just now", "5 minutes ago", "in 2 days" … in `language`. */
export function relativeTime(at: number, now: number, language: Language): string {
  let format = formats.get(language);
  if (format === undefined) {
    format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
    formats.set(language, format);
  }
  const diff = at - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return format.format(Math.round(diff / ms), unit);
  }
  return format.format(0, 'second');
}

/** `2026-11-22 05:00 UTC`. */
export function utcTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
