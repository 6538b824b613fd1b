/** The brand and language settings (src/config/brand.ts): defaults, checks, one-line errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-brand-'));
const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));

describe('brand settings', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to Latchkey, its blue, English, no logo, no extra CSS, no overrides', () => {
    assert.deepEqual(loadConfig({}).brand, {
      name: 'Latchkey', custom: false, logoUrl: null, logoFile: null, color: '#2456c8', cssFile: null, templatesDir: null, defaultLanguage: 'en',
    });
  });

  it('reads a brand, normalising the colour', () => {
    const css = join(dir, 'acme.css');
    writeFileSync(css, 'body{}');
    const brand = loadConfig({ BRAND_NAME: 'Acme', BRAND_COLOR: '#0A7', BRAND_CSS_FILE: css, TEMPLATES_DIR: dir, DEFAULT_LANGUAGE: 'de', BRAND_LOGO_URL: 'https://cdn.example.test/a.svg' }).brand;
    assert.deepEqual(brand, { name: 'Acme', custom: true, logoUrl: 'https://cdn.example.test/a.svg', logoFile: null, color: '#00aa77', cssFile: css, templatesDir: dir, defaultLanguage: 'de' });
  });

  it('refuses a bad colour: anything but #rgb or #rrggbb could break out of the style sheet', () => {
    refused({ BRAND_COLOR: 'red;}body{display:none' }, /^BRAND_COLOR must be a hex colour like #2456c8 or #25c \(got /);
    refused({ BRAND_COLOR: '#12345' }, /^BRAND_COLOR must be a hex colour/);
  });

  it('refuses missing files, a folder as a file, a logo of an unknown type, both logos, an unknown language', () => {
    refused({ BRAND_LOGO_FILE: join(dir, 'none.png') }, /^BRAND_LOGO_FILE cannot be read: ENOENT/);
    refused({ BRAND_CSS_FILE: dir }, /^BRAND_CSS_FILE must name a file, not a folder/);
    const exe = join(dir, 'logo.exe');
    writeFileSync(exe, 'x');
    refused({ BRAND_LOGO_FILE: exe }, /^BRAND_LOGO_FILE must be an image ending in \.png/);
    const png = join(dir, 'logo.png');
    writeFileSync(png, 'x');
    refused({ BRAND_LOGO_FILE: png, BRAND_LOGO_URL: 'https://cdn.example.test/a.svg' }, /^set BRAND_LOGO_URL or BRAND_LOGO_FILE, not both/);
    refused({ BRAND_LOGO_URL: 'javascript:alert(1)' }, /^BRAND_LOGO_URL must be an absolute http\(s\) URL/);
    refused({ TEMPLATES_DIR: join(dir, 'nope') }, /^TEMPLATES_DIR cannot be read: ENOENT/);
    refused({ DEFAULT_LANGUAGE: 'fr' }, /^DEFAULT_LANGUAGE must be one of en, de/);
  });
});
