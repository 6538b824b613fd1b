/**
 * Shared pieces of every email: the rendered shape, HTML escaping and the page frame. Every
 * value interpolated into HTML goes through escapeHtml, so a username like `<script>` or a
 * crafted token cannot inject markup into a message.
 */

/** A message ready to hand to a mailer. `link` is the one action link, if the message has one. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  link?: string;
}

/** What every template gets besides its data: the configured public origin (never a request's Host). */
export interface RenderContext {
  publicUrl: string;
}

/** The template's data is missing a value it needs: the message can never be rendered. */
export class TemplateDataError extends Error {
  override name = 'TemplateDataError';
}

/** Escapes the five HTML-significant characters. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The value of `key`, or a TemplateDataError naming it. */
export function required(data: Record<string, string>, key: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value === '') throw new TemplateDataError(`missing "${key}"`);
  return value;
}

/** "Hello NAME," when a username is known, else "Hello,". */
export function greeting(data: Record<string, string>): string {
  return data.username ? `Hello ${data.username},` : 'Hello,';
}

/** `${publicUrl}${path}?token=...` with the token URL-encoded, and the `return_to` the link carries when the data has one. */
export function linkWithToken(context: RenderContext, path: string, token: string, returnTo?: string): string {
  const back = returnTo ? `&return_to=${encodeURIComponent(returnTo)}` : '';
  return `${context.publicUrl}${path}?token=${encodeURIComponent(token)}${back}`;
}

/** Wraps paragraphs (already escaped HTML) in a minimal HTML document. */
export function htmlPage(subject: string, paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>' + escapeHtml(subject) + '</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5">',
    ...paragraphs.map((p) => `<p>${p}</p>`),
    '</body></html>',
  ].join('\n');
}

/** An escaped HTML anchor whose text is the URL itself. */
export function htmlLink(url: string): string {
  const safe = escapeHtml(url);
  return `<a href="${safe}">${safe}</a>`;
}

/** Plain text from paragraphs. */
export function textBody(paragraphs: string[]): string {
  return `${paragraphs.join('\n\n')}\n`;
}

/** A message of plain paragraphs (no link): the text, and the HTML with each paragraph escaped. */
export function plainMail(subject: string, paragraphs: string[]): RenderedMail {
  return { subject, text: textBody(paragraphs), html: htmlPage(subject, paragraphs.map(escapeHtml)) };
}
