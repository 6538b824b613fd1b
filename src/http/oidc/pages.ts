/**
 * The HTML the OIDC provider answers itself (its errors, the RP-initiated logout confirmation),
 * in the hosted pages' shell and with their security headers. `form-action` allows, besides
 * Latchkey itself, the redirect URIs the answer may lead to: Chromium applies form-action to the
 * redirect that follows a form's POST (a login or logout sending the browser back to the app).
 */
import { html, SafeHtml } from '../pages/html.js';
import { page, pageHeadersFor } from '../pages/layout.js';

/** The page headers, with `form-action` allowing `'self'` and the origins of `redirectUris`. */
export function oidcPageHeaders(redirectUris: readonly string[]): Record<string, string> {
  return pageHeadersFor([...new Set(redirectUris.map((uri) => new URL(uri).origin))]);
}

/** An error of the provider (a bad authorization request, an unknown client ...), without the app's redirect. */
export function oidcErrorPage(error: string, description: string): string {
  return page('Sign-in failed', html`<p class="error" role="alert">The application's sign-in request was refused: ${error}${description ? html`: ${description}` : ''}.</p><p>Go back to the application and try again.</p>`).value;
}

/** The RP-initiated logout confirmation; `form` is the provider's own form (with its CSRF field). */
export function oidcLogoutPage(form: string): string {
  return page(
    'Sign out',
    html`${new SafeHtml(form)}<p>Sign out of Latchkey and the application?</p>
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  ).value;
}

/** After a logout without a redirect back to the app. */
export function oidcLoggedOutPage(): string {
  return page('Signed out', html`<p class="ok" role="status">You are signed out.</p><nav><a href="/login">Log in</a></nav>`).value;
}
