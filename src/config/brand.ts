/**
 * The brand and language settings: what end users see on the pages and in the emails
 * (docs/branding.md). Files named here are checked at start-up, so a typo is a ConfigError
 * instead of a broken page later.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { ConfigError, fail, raw, readEnum, type Env } from './read.js';

/** The languages Latchkey ships catalogues for (locales/<language>/). */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Image types BRAND_LOGO_FILE may be, by file extension, with the content type it is served as. */
export const LOGO_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

export interface BrandConfig {
  /** BRAND_NAME: the name in titles, headings and emails (default "Latchkey"). */
  name: string;
  /** True when BRAND_NAME is set: then no page or email says "Latchkey". */
  custom: boolean;
  /** BRAND_LOGO_URL: an absolute http(s) URL of the logo; null when unset. */
  logoUrl: string | null;
  /** BRAND_LOGO_FILE: an image file Latchkey serves itself (absolute path); null when unset. */
  logoFile: string | null;
  /** BRAND_COLOR: the accent colour as lower-case #rrggbb (default #2456c8). */
  color: string;
  /** BRAND_CSS_FILE: a CSS file served after Latchkey's own styles (absolute path); null when unset. */
  cssFile: string | null;
  /** TEMPLATES_DIR: a folder of templates that replace shipped ones of the same name; null when unset. */
  templatesDir: string | null;
  /** DEFAULT_LANGUAGE: the language when neither `?lang=` nor Accept-Language names a supported one. */
  defaultLanguage: Language;
}

export const DEFAULT_BRAND_COLOR = '#2456c8';

export function readBrandConfig(env: Env): BrandConfig {
  const name = raw(env, 'BRAND_NAME');
  if (name !== undefined && (name.length > 80 || /[\u0000-\u001f\u007f]/.test(name))) {
    fail('BRAND_NAME', 'must be at most 80 characters without control characters', name);
  }
  const logoUrl = readLogoUrl(env);
  const logoFile = readFileSetting(env, 'BRAND_LOGO_FILE');
  if (logoUrl !== null && logoFile !== null) throw new ConfigError('set BRAND_LOGO_URL or BRAND_LOGO_FILE, not both');
  if (logoFile !== null && LOGO_TYPES[extname(logoFile).toLowerCase()] === undefined) {
    fail('BRAND_LOGO_FILE', `must be an image ending in ${Object.keys(LOGO_TYPES).join(', ')}`, logoFile);
  }
  const cssFile = readFileSetting(env, 'BRAND_CSS_FILE');
  if (cssFile !== null && extname(cssFile).toLowerCase() !== '.css') fail('BRAND_CSS_FILE', 'must be a file ending in .css', cssFile);
  return {
    name: name ?? 'Latchkey',
    custom: name !== undefined,
    logoUrl,
    logoFile,
    color: readColor(env),
    cssFile,
    templatesDir: readTemplatesDir(env),
    defaultLanguage: readEnum(env, 'DEFAULT_LANGUAGE', 'en', LANGUAGES),
  };
}

// #rgb or #rrggbb only: the value lands in a style sheet, so nothing else may pass.
function readColor(env: Env): string {
  const value = raw(env, 'BRAND_COLOR');
  if (value === undefined) return DEFAULT_BRAND_COLOR;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`.toLowerCase();
  if (/^#[0-9a-f]{6}$/i.test(value)) return value.toLowerCase();
  fail('BRAND_COLOR', 'must be a hex colour like #2456c8 or #25c', value);
}

function readLogoUrl(env: Env): string | null {
  const value = raw(env, 'BRAND_LOGO_URL');
  if (value === undefined) return null;
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    fail('BRAND_LOGO_URL', 'must be an absolute http(s) URL such as https://cdn.example.com/logo.svg', value);
  }
  return url.href;
}

function readFileSetting(env: Env, name: string): string | null {
  const value = raw(env, name);
  if (value === undefined) return null;
  const path = resolve(value);
  try {
    accessSync(path, constants.R_OK);
    if (!statSync(path).isFile()) fail(name, 'must name a file, not a folder', value);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${name} cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'} (${JSON.stringify(value)})`);
  }
  return path;
}

function readTemplatesDir(env: Env): string | null {
  const value = raw(env, 'TEMPLATES_DIR');
  if (value === undefined) return null;
  const path = resolve(value);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new ConfigError(`TEMPLATES_DIR cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'} (${JSON.stringify(value)})`);
  }
  if (!isDir) fail('TEMPLATES_DIR', 'must be a folder', value);
  return path;
}
