/**
 * A tiny HTML template tag. Every interpolated value is escaped unless it is already SafeHtml
 * (the result of another `html` template), so user input can never become markup (XSS).
 * Arrays are joined, null/undefined/false render nothing.
 */
import { escapeText } from '../../ui/escape.js';

export { escapeText };

/** Markup known to be safe: built only by the `html` tag. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeText(String(value));
}

/** The template tag: `html\`<p>${userText}</p>\``. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}
