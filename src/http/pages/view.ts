/**
 * Rendering a hosted page (docs/branding.md): the page's language (`?lang=`, remembered in the
 * `lang` cookie so it holds across forms; then the signed-in visitor's stored language; then
 * Accept-Language; then DEFAULT_LANGUAGE), the
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

export interface LanguageLink {
  lang: Language;
  label: string;
  href: string;
  current: boolean;
}

/** The language cookie's attributes (fastify-cookie's and `serialize`'s options; max-age in seconds). */
export function languageCookieOptions(settings: CookieSettings): { path: string; httpOnly: boolean; sameSite: 'lax'; secure: boolean; maxAge: number } {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure, maxAge: YEAR };
}

/** Where a page's language comes from: the `?lang=` value, the language cookie, the signed-in account's language, Accept-Language. */
export interface PageLanguageSources {
  query: unknown;
  cookie: string | undefined;
  /** The signed-in visitor's stored language (accounts.locale), when known. */
  account?: string | null;
  acceptLanguage: string | undefined;
}

/**
 * The page's language, and the `?lang=` choice to remember in the language cookie (null when
 * there is none or the cookie holds it already). Shared by the hosted pages and the OIDC
 * provider's own pages (src/http/oidc/pages.ts).
 */
export function choosePageLanguage(ui: Ui, sources: PageLanguageSources): { lang: Language; remember: Language | null } {
  const asked = matchLanguage(typeof sources.query === 'string' && sources.query.length <= 35 ? sources.query : undefined);
  const lang = ui.language({ explicit: [asked, sources.cookie, sources.account], acceptLanguage: sources.acceptLanguage });
  return { lang, remember: asked !== null && asked !== sources.cookie ? asked : null };
}

/** The page's language; a valid `?lang=` is remembered in the language cookie. */
export function pageLanguage(ui: Ui, settings: CookieSettings, req: FastifyRequest, reply: FastifyReply, accountLocale: string | null = null): Language {
  const { lang, remember } = choosePageLanguage(ui, {
    query: (req.query as { lang?: unknown } | undefined)?.lang,
    cookie: req.cookies?.[LANGUAGE_COOKIE],
    account: accountLocale,
    acceptLanguage: req.headers['accept-language'],
  });
  if (remember !== null) reply.setCookie(LANGUAGE_COOKIE, remember, languageCookieOptions(settings));
  return lang;
}

/** Links to this GET page (`method`, `url`: path and query) in each language, `lang` replaced; none for a form's answer. */
export function languageLinks(method: string, url: string, current: Language, t: Translate): LanguageLink[] {
  if (method !== 'GET') return [];
  const parsed = new URL(url, 'http://page.invalid');
  return LANGUAGES.map((lang) => {
    parsed.searchParams.set('lang', lang);
    return { lang, label: t(`languageNames.${lang}`), href: `${parsed.pathname}?${parsed.searchParams.toString()}`, current: lang === current };
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

/** The view of one request: its language, its catalogue, and a `send` that renders a page template; `accountLocale`: the signed-in visitor's language. */
export function pageView(ui: Ui, settings: CookieSettings, req: FastifyRequest, reply: FastifyReply, accountLocale: string | null = null): PageView {
  const lang = pageLanguage(ui, settings, req, reply, accountLocale);
  const t = ui.translator(lang, 'pages');
  return {
    lang,
    t,
    send(status, name, data = {}) {
      const errors = data.errors ?? {};
      const body = ui.render(`pages/${name}`, lang, {
        ...data,
        form: { errors, focus: Object.keys(errors)[0] ?? null },
        languages: languageLinks(req.method, req.url, lang, t),
      });
      reply.header('content-language', lang);
      allowOwnScripts(reply, body);
      return reply.code(status).type('text/html; charset=utf-8').send(body);
    },
  };
}
