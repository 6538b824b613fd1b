/**
 * The brand's own files (docs/branding.md#brand): BRAND_LOGO_FILE at /brand/logo and
 * BRAND_CSS_FILE at /brand/style.css, read once when the app is built (the settings check they
 * can be read at start-up). Each route exists only when its setting is set.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LOGO_TYPES, type BrandConfig } from '../../config/brand.js';
import { BRAND_CSS_PATH, BRAND_LOGO_PATH } from '../../ui/index.js';
import { PUBLIC, type RouteSchema } from '../openapi/route-docs.js';

const asset = (summary: string, type: string): RouteSchema => ({
  summary,
  tags: ['pages'],
  security: PUBLIC,
  response: { 200: { description: summary, content: { [type]: { schema: { type: 'string' } } } } },
});

/** Registers GET /brand/logo and GET /brand/style.css when their files are configured. */
export function registerBrandAssets(app: FastifyInstance, brand: BrandConfig): void {
  const serve = (path: string, file: string, type: string, summary: string) => {
    const body = readFileSync(file);
    app.get(path, { schema: asset(summary, type) }, async (_req, reply) =>
      reply.header('cache-control', 'public, max-age=3600').type(type).send(body),
    );
  };
  if (brand.logoFile !== null) serve(BRAND_LOGO_PATH, brand.logoFile, LOGO_TYPES[extname(brand.logoFile).toLowerCase()] ?? 'application/octet-stream', 'The brand’s logo (BRAND_LOGO_FILE)');
  if (brand.cssFile !== null) serve(BRAND_CSS_PATH, brand.cssFile, 'text/css; charset=utf-8', 'The brand’s extra style sheet (BRAND_CSS_FILE)');
}
