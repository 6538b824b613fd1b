/** The template renderer: escaping, the brand, the language, and overrides from TEMPLATES_DIR. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBrandConfig } from '../../src/config/brand.js';
import { createUi, TemplateError, TemplateNotFound } from '../../src/ui/index.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-templates-'));

describe('template renderer', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('renders the shipped layout with the brand, the language and escaped values', () => {
    const ui = createUi({ brand: readBrandConfig({ BRAND_NAME: 'Acme <Corp>', BRAND_COLOR: '#ffcc00' }), publicUrl: 'https://id.example.test' });
    const out = ui.render('pages/layout', 'de', { title: '<script>x</script>', body: '<p>body</p>', languages: [] });
    assert.match(out, /<html lang="de">/);
    assert.match(out, /<title>&lt;script&gt;x&lt;\/script&gt; · Acme &lt;Corp&gt;<\/title>/);
    assert.match(out, /--brand:#ffcc00;--brand-text:#000000/);
    assert.match(out, /<p>body<\/p>/);
    assert.doesNotMatch(out, /Latchkey/);
  });

  it('uses a template of the same name from TEMPLATES_DIR, includes resolving to shipped ones', () => {
    mkdirSync(join(dir, 'pages'), { recursive: true });
    writeFileSync(join(dir, 'pages', 'layout.eta'), '<div class="ours"><%= it.brand.name %>|<%= it.t("layout.language") %></div><%~ include("./partials/style") %>');
    const ui = createUi({ brand: readBrandConfig({ BRAND_NAME: 'Acme', TEMPLATES_DIR: dir }), publicUrl: 'https://id.example.test' });
    const out = ui.render('pages/layout', 'de', { title: 't', body: '' });
    assert.match(out, /^<div class="ours">Acme\|Sprache<\/div>body\{/);
  });

  it('refuses at start-up an override that does not compile, naming the file', () => {
    const broken = mkdtempSync(join(dir, 'broken-'));
    mkdirSync(join(broken, 'pages'));
    writeFileSync(join(broken, 'pages', 'login.eta'), '<% if (it.x) { %>never closed');
    assert.throws(() => createUi({ brand: readBrandConfig({ TEMPLATES_DIR: broken }), publicUrl: 'https://id.example.test' }), (err: unknown) => {
      return err instanceof TemplateError && /^TEMPLATES_DIR: pages\/login\.eta does not compile: /.test(err.message);
    });
  });

  it('refuses names outside the templates folder and unknown templates', () => {
    const ui = createUi({ brand: readBrandConfig({}), publicUrl: 'https://id.example.test' });
    assert.throws(() => ui.render('../package', 'en'), TemplateNotFound);
    assert.throws(() => ui.render('pages/nope', 'en'), TemplateNotFound);
  });

  it('gives emails absolute asset addresses under PUBLIC_URL and pages same-origin ones', () => {
    const logo = join(dir, 'logo.png');
    writeFileSync(logo, 'png');
    const ui = createUi({ brand: readBrandConfig({ BRAND_LOGO_FILE: logo }), publicUrl: 'https://id.example.test' });
    assert.equal(ui.brand.logo, '/brand/logo');
    assert.equal(ui.mailBrand.logo, 'https://id.example.test/brand/logo');
  });
});
