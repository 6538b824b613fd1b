/** HTML escaping shared by the templates (src/ui/templates.ts) and the pages' `html` tag (src/http/pages/html.ts). */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

/** A template value as escaped text; null, undefined and false print nothing. */
export function escapeValue(value: unknown): string {
  return value === null || value === undefined || value === false ? '' : escapeText(String(value));
}
