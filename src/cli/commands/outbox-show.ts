/** `latchkey outbox --show ID`: one dev-outbox message as its recipient would read it, links first. */
import type { DevMailMessage } from '../../core/dev-mail/ports.js';
import { jsonText } from '../command.js';

// Stored values are printed to a terminal: control characters (but newlines of the body) become '?'.
function clean(value: string): string {
  return value.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '?');
}

/** The message as text (or JSON). */
export function formatDevMessage(m: DevMailMessage, json: boolean): string {
  if (json) return jsonText({ ...m, createdAt: new Date(m.createdAt).toISOString() });
  return [
    `id:       ${m.id}`,
    `to:       ${clean(m.recipient)}`,
    `subject:  ${m.subject === null ? `(${m.template}: contents not kept)` : clean(m.subject)}`,
    `status:   ${m.status}, created ${new Date(m.createdAt).toISOString()}`,
    ...(m.links.length ? ['links:', ...m.links.map((l) => `  ${clean(l)}`)] : []),
    ...(m.text === null ? [] : ['', clean(m.text).trimEnd()]),
  ].join('\n');
}
