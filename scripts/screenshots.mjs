#!/usr/bin/env node
// `npm run screenshots`: starts a Latchkey from dist/ on a loopback port with the worked brand
// example of docs/branding.md (examples/branding: name, logo, colour, CSS file, one overridden
// template) and a throwaway SQLite file, and saves PNGs of a few pages at a phone's width and a
// desktop's, in English and German, under docs/screenshots/ (shown in the README). Chromium:
// /usr/bin/chromium (or CHROMIUM=path), driven by playwright-core. Nothing leaves loopback.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const EXAMPLE = join(ROOT, 'examples', 'branding');
const PASSWORD = 'screenshot password';
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 860 } };

const port = await new Promise((done, fail) => {
  const probe = createServer().once('error', fail).listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => done(free));
  });
});
const origin = `http://127.0.0.1:${port}`;
const data = mkdtempSync(join(tmpdir(), 'latchkey-screenshots-'));
const env = {
  PATH: process.env.PATH,
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: origin,
  DATABASE_URL: `sqlite:${join(data, 'latchkey.db')}`,
  LOG_FORMAT: 'json',
  LOG_LEVEL: 'warn',
  BRAND_NAME: 'Acme ID',
  BRAND_COLOR: '#0f766e',
  BRAND_LOGO_FILE: join(EXAMPLE, 'logo.svg'),
  BRAND_CSS_FILE: join(EXAMPLE, 'acme.css'),
  TEMPLATES_DIR: join(EXAMPLE, 'templates'),
};
const cli = join(ROOT, 'dist', 'cli', 'main.js');

const migrated = spawnSync(process.execPath, [cli, 'migrate'], { env, stdio: 'inherit' });
if (migrated.status !== 0) throw new Error('latchkey migrate failed (run npm run build first)');
const server = spawn(process.execPath, [cli, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
let browser;
try {
  // Up to 20 s for the first answer.
  for (let i = 0; ; i++) {
    const up = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
    if (up) break;
    if (i >= 200 || server.exitCode !== null) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const registered = await fetch(`${origin}/api/v1/account/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'sam', password: PASSWORD, email: 'sam@acme.example' }),
  });
  if (!registered.ok) throw new Error(`registration failed: ${registered.status} ${await registered.text()}`);

  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    for (const locale of ['en-US', 'de-DE']) {
      const lang = locale.slice(0, 2);
      const context = await browser.newContext({ viewport, locale, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36' });
      const page = await context.newPage();
      const shot = (name) => page.screenshot({ path: join(OUT, `${device}-${lang}-${name}.png`), fullPage: true });
      const submit = (selector) => Promise.all([page.waitForNavigation(), page.click(selector)]);
      await page.goto(`${origin}/login`);
      await page.fill('#username', 'sam');
      await page.fill('#password', 'not the password');
      await submit('button[type=submit]');
      await shot('login-refused');
      await page.fill('#password', PASSWORD);
      await submit('button[type=submit]');
      await shot('account');
      if (lang === 'en') {
        await page.goto(`${origin}/signup`);
        await shot('signup');
        await page.goto(`${origin}/account/delete`);
        await shot('delete');
      }
      await context.close();
    }
  }
  console.log(`screenshots saved in ${OUT}`);
} finally {
  await browser?.close();
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  rmSync(data, { recursive: true, force: true });
}
