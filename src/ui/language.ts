/**
 * Choosing the language of a page or an email (docs/branding.md#language): an explicit choice
 * (`?lang=`, the language cookie, the account's stored locale) wins when it names a shipped
 * language, then the browser's Accept-Language by its q-values, then DEFAULT_LANGUAGE.
 */
import { LANGUAGES, type Language } from '../config/brand.js';

export { LANGUAGES, type Language };

/** True for a language Latchkey ships catalogues for. */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** A shipped language matching a tag such as `de`, `de-CH` or `EN_gb`; null otherwise. */
export function matchLanguage(tag: string | null | undefined): Language | null {
  if (typeof tag !== 'string') return null;
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return isLanguage(primary) ? primary : null;
}

/** The shipped languages an Accept-Language header asks for, best first (q=0 and `*` left out). */
export function acceptedLanguages(header: string | null | undefined): Language[] {
  if (typeof header !== 'string' || header === '') return [];
  const ranges = header.slice(0, 1000).split(',').slice(0, 50).map((part, index) => {
    const [tag = '', ...params] = part.split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p)).find((m) => m !== null);
    return { language: matchLanguage(tag), q: q ? Number(q[1]) : 1, index };
  });
  const ordered = ranges.filter((r) => r.language !== null && r.q > 0).sort((a, b) => b.q - a.q || a.index - b.index);
  return [...new Set(ordered.map((r) => r.language as Language))];
}

/** Where a language may come from, strongest first. */
export interface LanguageSources {
  /** Explicit choices, strongest first: `?lang=`, the language cookie, an account's stored locale. */
  explicit?: ReadonlyArray<string | null | undefined>;
  /** The Accept-Language header. */
  acceptLanguage?: string | null | undefined;
}

/** The language to use: the first shipped explicit choice, else Accept-Language, else `fallback`. */
export function negotiateLanguage(sources: LanguageSources, fallback: Language): Language {
  for (const choice of sources.explicit ?? []) {
    const language = matchLanguage(choice);
    if (language !== null) return language;
  }
  return acceptedLanguages(sources.acceptLanguage)[0] ?? fallback;
}
