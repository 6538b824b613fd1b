/**
 * Rendering a hosted page (docs/branding.md): the page's language (`?lang=`, remembered in the
 * `lang` cookie so it holds across forms; then Accept-Language; then DEFAULT_LANGUAGE), the
 * template `pages/<name>` with the brand and catalogue (src/ui), per-field errors with the first
 * invalid field focused, and links to the same page in the other languages.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LANGUAGES, matchLanguage, type Language, type Translate, type Ui } from '../../ui/index.js';
import type { CookieSettings } from '../cookies.js';

/** The cookie that keeps a `?lang=` choice (host-only, a year). */
export const LANGUAGE_COOKIE = 'lang';
const YEAR = 365 * 86400;

/** A message shown above a page's content. */
export interface Notice {
  kind: 'error' | 'ok';
  text: string;
}

/** Field id → message; the first field is focused. */
export type FieldErrors = Record<string, string>;

/** What a page template gets besides lang, brand and t; `errors` and `notice` are handled here. */
export interface PageData {
  errors?: FieldErrors;
  notice?: Notice;
  [key: string]: unknown;
}

export interface PageView {
  lang: Language;
  t: Translate;
  /** Renders `pages/<name>` and sends it with `status`. */
  send(status: number, name: string, data?: PageData): FastifyReply;
}

interface LanguageLink {
  lang: Language;
  label: string;
  href: string;
  current: boolean;
}

/** The page's language; a valid `?lang=` is remembered in the language cookie. */
export function pageLanguage(ui: Ui, settings: CookieSettings, req: FastifyRequest, reply: FastifyReply): Language {
  const asked = matchLanguage(queryLang(req));
  const kept = req.cookies?.[LANGUAGE_COOKIE];
  if (asked !== null && asked !== kept) {
    reply.setCookie(LANGUAGE_COOKIE, asked, { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure, maxAge: YEAR });
  }
  return ui.language({ explicit: [asked, kept], acceptLanguage: req.headers['accept-language'] });
}

function queryLang(req: FastifyRequest): string | undefined {
  const lang = (req.query as { lang?: unknown } | undefined)?.lang;
  return typeof lang === 'string' && lang.length <= 35 ? lang : undefined;
}

/** Links to this GET page in each language (the query kept, `lang` replaced); none for a form's answer. */
function languageLinks(req: FastifyRequest, current: Language, t: Translate): LanguageLink[] {
  if (req.method !== 'GET') return [];
  const url = new URL(req.url, 'http://page.invalid');
  return LANGUAGES.map((lang) => {
    url.searchParams.set('lang', lang);
    return { lang, label: t(`languageNames.${lang}`), href: `${url.pathname}?${url.searchParams.toString()}`, current: lang === current };
  });
}

/** A page that includes our own scripts (templates/pages/partials/passkey-scripts.eta) names them so. */
const OWN_SCRIPT = '<script src="/assets/';

/**
 * Only a page that includes our own scripts gets `script-src 'self'` (and `connect-src 'self'`
 * for their requests) added to the CSP the pages scope set (with its `img-src` for the logo);
 * every other page runs no script at all. `send` calls it for every rendered page.
 */
export function allowOwnScripts(reply: FastifyReply, body: string): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp === 'string' && body.includes(OWN_SCRIPT) && !csp.includes('script-src')) {
    reply.header('content-security-policy', `${csp}; script-src 'self'; connect-src 'self'`);
  }
}

/** The view of one request: its language, its catalogue, and a `send` that renders a page template. */
export function pageView(ui: Ui, settings: CookieSettings, req: FastifyRequest, reply: FastifyReply): PageView {
  const lang = pageLanguage(ui, settings, req, reply);
  const t = ui.translator(lang, 'pages');
  return {
    lang,
    t,
    send(status, name, data = {}) {
      const errors = data.errors ?? {};
      const body = ui.render(`pages/${name}`, lang, {
        ...data,
        form: { errors, focus: Object.keys(errors)[0] ?? null },
        languages: languageLinks(req, lang, t),
      });
      reply.header('content-language', lang);
      allowOwnScripts(reply, body);
      return reply.code(status).type('text/html; charset=utf-8').send(body);
    },
  };
}
