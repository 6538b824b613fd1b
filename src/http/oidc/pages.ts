/**
 * The HTML the OIDC provider answers itself (its errors, the RP-initiated logout confirmation and
 * the signed-out page), rendered like every hosted page (docs/branding.md): the templates
 * `pages/oidc-error`, `pages/oidc-logout` and `pages/oidc-signed-out` (TEMPLATES_DIR may replace
 * them), the brand, and the visitor's language chosen as the other pages choose it (src/http/
 * pages/view.ts). They carry the pages' security headers; `form-action` allows, besides Latchkey
 * itself, the redirect URIs the answer may lead to: Chromium applies form-action to the redirect
 * that follows a form's POST (a login or logout sending the browser back to the app).
 */
import { fastifyCookie } from '@fastify/cookie';
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { Ui } from '../../ui/index.js';
import type { CookieSettings } from '../cookies.js';
import { pageHeadersFor } from '../pages/layout.js';
import { choosePageLanguage, LANGUAGE_COOKIE, languageCookieOptions, languageLinks } from '../pages/view.js';

/** The page headers, with `form-action` allowing `'self'` and the origins of `redirectUris` (and `img-src` the logo's origin). */
export function oidcPageHeaders(redirectUris: readonly string[], imageOrigins: readonly string[] = []): Record<string, string> {
  return pageHeadersFor([...new Set(redirectUris.map((uri) => new URL(uri).origin))], imageOrigins);
}

/** The provider's page answers (its `renderError`, `logoutSource` and `postLogoutSuccessSource`). */
export interface OidcPages {
  /** An error of the provider (a bad authorization or logout request, an unknown client ...), without the app's redirect. */
  error(ctx: KoaContextWithOIDC, out: ErrorOut): void;
  /** The RP-initiated logout confirmation; `form` is the provider's own form (id op.logoutForm, with its CSRF field). */
  logout(ctx: KoaContextWithOIDC, form: string): void;
  /** After a logout without a redirect back to the app. */
  signedOut(ctx: KoaContextWithOIDC): void;
}

export interface OidcPagesOptions {
  ui: Ui;
  settings: CookieSettings;
  /** BRAND_LOGO_URL, whose origin the CSP's `img-src` allows; null: none. */
  logoUrl: string | null;
}

/** The provider's pages in the brand and the visitor's language. */
export function createOidcPages(options: OidcPagesOptions): OidcPages {
  const { ui, settings } = options;
  const imageOrigins = options.logoUrl === null ? [] : [new URL(options.logoUrl).origin];

  const send = (ctx: KoaContextWithOIDC, name: string, redirectUris: readonly string[], data: Record<string, unknown>): void => {
    const { lang, remember } = choosePageLanguage(ui, {
      query: ctx.query.lang,
      cookie: fastifyCookie.parse(ctx.get('cookie'))[LANGUAGE_COOKIE],
      acceptLanguage: ctx.get('accept-language') || undefined,
    });
    if (remember !== null) ctx.append('set-cookie', fastifyCookie.serialize(LANGUAGE_COOKIE, remember, languageCookieOptions(settings)));
    const t = ui.translator(lang, 'pages');
    ctx.set(oidcPageHeaders(redirectUris, imageOrigins));
    ctx.set('content-language', lang);
    ctx.type = 'html';
    ctx.body = ui.render(`pages/${name}`, lang, { ...data, form: { errors: {}, focus: null }, languages: languageLinks(ctx.method, ctx.url, lang, t) });
  };

  return {
    error(ctx, out) {
      const signOut = String(ctx.oidc?.route ?? '').startsWith('end_session');
      const detail = out.error_description ? `${out.error}: ${out.error_description}` : out.error;
      send(ctx, 'oidc-error', [], { signOut, detail });
    },
    logout(ctx, form) {
      // The confirmation's POST is followed by a redirect to a registered post-logout URI.
      send(ctx, 'oidc-logout', ctx.oidc.client?.postLogoutRedirectUris ?? [], { providerForm: form, client: ctx.oidc.client?.clientName ?? null });
    },
    signedOut(ctx) {
      send(ctx, 'oidc-signed-out', [], {});
    },
  };
}
