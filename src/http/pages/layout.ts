/**
 * The headers every hosted page sends, and the `html`-tag page shell only the development mail
 * page (/dev/mail, never shown to end users) still uses: the hosted pages and the OIDC
 * provider's own pages render templates/pages/*.eta through view.ts. The CSP allows
 * no script (except our own two files on the pages with passkey forms: view.ts, `allowOwnScripts`), styles
 * and images only from us (and inline styles), forms may post only to us, and no site may frame
 * us (clickjacking); no-referrer keeps link tokens out of Referer headers; no-store keeps pages
 * with tokens or account data out of caches.
 */
import type { FastifyReply } from 'fastify';
import { html, SafeHtml } from './html.js';
import type { Notice } from './view.js';

/** The headers every hosted page answer carries (set by the pages scope's onRequest hook). */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': pageCsp([]),
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

/**
 * The pages' CSP. `form-action` also lists the RETURN_TO_ORIGINS origins: Chromium applies it to
 * the redirect that follows a form POST, so a login that goes back to the app needs them there.
 * Images and style sheets come from us (the brand's logo and CSS file, docs/branding.md), plus
 * the origin of BRAND_LOGO_URL when it is elsewhere (`imageOrigins`).
 */
export function pageCsp(formOrigins: readonly string[], imageOrigins: readonly string[] = []): string {
  const forms = ["'self'", ...formOrigins].join(' ');
  const images = ["'self'", ...imageOrigins].join(' ');
  return `default-src 'none'; img-src ${images}; style-src 'self' 'unsafe-inline'; form-action ${forms}; frame-ancestors 'none'; base-uri 'none'`;
}

/** PAGE_HEADERS with the allow-listed return origins in `form-action` and the logo's origin in `img-src`. */
export function pageHeadersFor(formOrigins: readonly string[], imageOrigins: readonly string[] = []): Record<string, string> {
  return formOrigins.length === 0 && imageOrigins.length === 0 ? PAGE_HEADERS : { ...PAGE_HEADERS, 'content-security-policy': pageCsp(formOrigins, imageOrigins) };
}

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1rem 0 .5rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input{box-sizing:border-box;width:100%;padding:.6rem;font-size:1rem;border:1px solid #9aa3b2;border-radius:.3rem}
button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:.3rem;background:#2456c8;color:#fff;cursor:pointer}
.error{background:#fde8e8;border-left:4px solid #c62828;padding:.5rem .75rem}
.ok{background:#e6f4ea;border-left:4px solid #2e7d32;padding:.5rem .75rem}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
nav{margin-top:1.5rem;font-size:.9rem}section{margin-top:1.5rem;border-top:1px solid #e0e3e8}
`;

export type { Notice } from './view.js';

/** Renders a complete page. */
export function page(title: string, content: SafeHtml, notice?: Notice): SafeHtml {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Latchkey</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main><h1>${title}</h1>
${notice ? html`<p class="${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>` : ''}
${content}
</main></body></html>
`;
}

/** Sends a page with the given status (the pages scope adds PAGE_HEADERS to every answer). */
export function sendPage(reply: FastifyReply, status: number, body: SafeHtml): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body.value);
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** A password input with its label; `autocomplete` is current-password or new-password. */
export function passwordInput(name: string, label: string, autocomplete: 'current-password' | 'new-password'): SafeHtml {
  return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="password" required autocomplete="${autocomplete}" maxlength="1023">`;
}

/** Turns a core error message ("password must be …") into a sentence for a page. */
export function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
