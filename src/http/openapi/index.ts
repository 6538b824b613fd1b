/**
 * The API reference: `GET /openapi.json` (OpenAPI 3.1) and `GET /docs` (the same, as a page),
 * generated from the route schemas rather than written beside them.
 *
 * useOpenApi() must run before any route is added: its onRoute hook sees every route of every
 * scope registered afterwards (child scopes inherit it), whatever the plugin. Nothing is added
 * to the request path of other routes; the document and the page are built once, on the first
 * request for either (all routes are known by then: Fastify refuses new routes after start).
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { packageVersion } from '../../config/version.js';
import { cookieSettings } from '../cookies.js';
import { PAGE_HEADERS } from '../pages/layout.js';
import { renderDocsPage } from './docs-page.js';
import { docsRoute, openApiRoute } from './ops-schemas.js';
import { buildOpenApiDocument, type CollectedRoute, type OpenApiDocument } from './spec.js';

/** How long clients and proxies may keep the reference: it changes only with a deployment. */
export const REFERENCE_CACHE_CONTROL = 'public, max-age=300';

/** The reference of one app, built on first use. */
export interface ApiReference {
  /** Every route seen so far, in registration order (HEAD routes included). */
  routes: CollectedRoute[];
  document(): OpenApiDocument;
}

/** Collects every route registered after this call and serves /openapi.json and /docs. */
export function useOpenApi(app: FastifyInstance, config: Config): ApiReference {
  const routes: CollectedRoute[] = [];
  app.addHook('onRoute', (opts) => {
    const methods = Array.isArray(opts.method) ? opts.method : [opts.method];
    const schema = (opts.schema ?? undefined) as Record<string, unknown> | undefined;
    const url = opts.url ?? opts.path ?? '';
    for (const method of methods) {
      routes.push({ method, url, schema });
      // A prefixed plugin's '/' is served with and without the slash (prefixTrailingSlash
      // 'both'); the onRoute hook sees only the bare prefix, so the slashed twin is added here.
      const prefix = (opts as { prefix?: string }).prefix ?? '';
      const routePath = (opts as { routePath?: string }).routePath;
      if (routePath === '' && prefix !== '' && (opts.prefixTrailingSlash ?? 'both') === 'both' && !url.endsWith('/')) {
        routes.push({ method, url: `${url}/`, schema });
      }
    }
  });

  let cached: { document: OpenApiDocument; json: string; page: string } | null = null;
  const build = () => {
    if (cached === null) {
      const document = buildOpenApiDocument(routes, { publicUrl: config.publicUrl, sessionCookieName: cookieSettings(config).sessionName, version: packageVersion() });
      cached = { document, json: JSON.stringify(document), page: renderDocsPage(document) };
    }
    return cached;
  };

  app.get('/openapi.json', { schema: openApiRoute }, async (_req, reply) => {
    reply.header('cache-control', REFERENCE_CACHE_CONTROL);
    return reply.type('application/json; charset=utf-8').send(build().json);
  });

  app.get('/docs', { schema: docsRoute }, async (_req, reply) => {
    reply.headers(PAGE_HEADERS);
    reply.header('cache-control', REFERENCE_CACHE_CONTROL);
    return reply.type('text/html; charset=utf-8').send(build().page);
  });

  return { routes, document: () => build().document };
}
