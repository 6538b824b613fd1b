/**
 * How the hosted /login page returns to an OIDC interaction (docs/security.md, "OpenID Connect
 * provider"). The interaction sends a visitor without a Latchkey session to /login with a
 * `return_to` back to it; this rule allows exactly that target: Latchkey's own origin and the
 * interaction path, so /login opens no redirect to anywhere else.
 *
 * Chromium applies a page's CSP `form-action` to every redirect that follows the form's POST,
 * and the login's POST ends, through the interaction and the provider, at the client's redirect
 * URI. So a page whose form carries such a `return_to` (the login form, its second step) gets
 * that client's redirect origins added to `form-action`, looked up from the interaction itself,
 * never taken from the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReturnToRule } from '../../config/index.js';
import type { OidcAccess } from '../../core/oidc/access.js';
import type { PagesDeps } from '../pages/context.js';
import { safeReturnTo } from '../return-to.js';
import { INTERACTION_PREFIX } from './paths.js';
import type { OidcProviderSource } from './provider.js';

export interface OidcReturn {
  /** The return_to rule for the interaction path. */
  rule: ReturnToRule;
  /** Adds the interaction client's redirect origins to `form-action` on pages whose form returns to an interaction. */
  widenFormAction(pages: FastifyInstance, deps: PagesDeps): void;
}

/** The `return_to` a page request carries (query, else the posted form's hidden field), when allowed. */
function carriedReturnTo(req: FastifyRequest, deps: PagesDeps): string | null {
  const fromQuery = safeReturnTo((req.query as { return_to?: unknown } | undefined)?.return_to, deps.returnTo);
  if (fromQuery !== null) return fromQuery;
  const body = req.body as Record<string, unknown> | undefined | null;
  return typeof body === 'object' && body !== null && Object.hasOwn(body, 'return_to') ? safeReturnTo(body.return_to, deps.returnTo) : null;
}

/** `policy` with `sources` added to its `directive` (the directive added when the policy lacks it). */
export function widenDirective(policy: string, directive: string, sources: readonly string[]): string {
  const parts = policy.split(';').map((p) => p.trim()).filter((p) => p !== '');
  const at = parts.findIndex((p) => p.split(/\s+/)[0] === directive);
  const current = at === -1 ? [directive] : parts[at]!.split(/\s+/);
  const widened = [...current, ...sources.filter((s) => !current.includes(s))].join(' ');
  if (at === -1) parts.push(widened);
  else parts[at] = widened;
  return parts.join('; ');
}

/** The interaction return of a provider whose issuer is `publicUrl`. */
export function oidcReturn(provider: OidcProviderSource, access: OidcAccess, publicUrl: string): OidcReturn {
  const origin = new URL(publicUrl).origin;
  const rule: ReturnToRule = { origin, pathPrefix: INTERACTION_PREFIX.slice(0, -1) };

  async function redirectOrigins(target: string): Promise<string[]> {
    const url = new URL(target);
    if (url.origin !== origin || !url.pathname.startsWith(INTERACTION_PREFIX)) return [];
    const uid = url.pathname.slice(INTERACTION_PREFIX.length);
    if (uid === '' || uid.includes('/') || uid.length > 100) return [];
    const interaction = await provider.current().Interaction.find(uid);
    const clientId = interaction?.params.client_id;
    const client = typeof clientId === 'string' ? await access.findClient(clientId) : null;
    return client === null ? [] : [...new Set(client.redirectUris.map((uri) => new URL(uri).origin))];
  }

  return {
    rule,
    widenFormAction(pages, deps) {
      pages.addHook('onSend', async (req, reply, payload) => {
        const back = carriedReturnTo(req, deps);
        if (back === null || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
        const origins = await redirectOrigins(back);
        // The page's own policy (logo origin, passkey scripts, return_to origins) stays; only form-action grows.
        if (origins.length > 0) reply.header('content-security-policy', widenDirective(String(reply.getHeader('content-security-policy') ?? ''), 'form-action', origins));
        return payload;
      });
    },
  };
}
