/**
 * Names for a session's device from its user agent, for people ("Chrome on Linux"), with
 * ua-parser-js 1.x (MIT; docs/decisions.md, "Brand, language and templates"). A user agent is
 * whatever the client sent: it is only ever printed escaped, and the raw string goes into a
 * `title` for whoever wants the details.
 */
import type UAParserClass from 'ua-parser-js';
import { atFirstUse } from '../config/first-use.js';
import type { Translate } from './i18n.js';

// Loaded at the first device named, not at start-up: only the sessions pages name devices, and
// its tables are about half a MiB of heap (docs/decisions.md, "Peak memory in the mixed workload").
const parserClass = atFirstUse<typeof UAParserClass>('ua-parser-js');

/** A readable device name: "Chrome on Linux", "Chrome", or the raw user agent when nothing is recognised. */
export function deviceName(userAgent: string | null, t: Translate): string {
  if (userAgent === null || userAgent.trim() === '') return t('sessions.unknown');
  const { browser, os } = new (parserClass())(userAgent.slice(0, 512)).getResult();
  if (browser.name && os.name) return t('sessions.device_on', { browser: browser.name, os: os.name });
  return browser.name ?? os.name ?? userAgent.slice(0, 80);
}
