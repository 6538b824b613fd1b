#!/usr/bin/env node
// `npm run screenshots`: starts a Latchkey from dist/ on a loopback port with the worked brand
// example of docs/branding.md (examples/branding: name, logo, colour, CSS file, one overridden
// template) and a throwaway SQLite file, and saves PNGs of a few pages at a phone's width and a
// desktop's, in English and German, under docs/screenshots/ (shown in the README); with the
// OpenID Connect provider on, also its own pages in German (a refused sign-in request, an app's
// sign-out confirmation, signed out), the app being a loopback server of this script. Chromium:
// /usr/bin/chromium (or CHROMIUM=path), driven by playwright-core. Nothing leaves loopback.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const EXAMPLE = join(ROOT, 'examples', 'branding');
const PASSWORD = 'screenshot password';
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 860 } };

const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer().once('error', fail).listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => done(free));
    });
  });
const port = await freePort();
const appPort = await freePort();
const callback = `http://127.0.0.1:${appPort}/callback`;
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
  OIDC_PROVIDER: 'on',
};
const cli = join(ROOT, 'dist', 'cli', 'main.js');

const migrated = spawnSync(process.execPath, [cli, 'migrate'], { env, stdio: 'inherit' });
if (migrated.status !== 0) throw new Error('latchkey migrate failed (run npm run build first)');
const added = spawnSync(process.execPath, [cli, 'client', 'add', 'Notes', '--redirect-uri', callback, '--public', '--first-party', '--json'], { env, encoding: 'utf8' });
if (added.status !== 0) throw new Error(`latchkey client add failed: ${added.stderr}`);
const clientId = JSON.parse(added.stdout).id;
const app = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('Notes'));
await new Promise((done) => app.listen(appPort, '127.0.0.1', done));
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
      } else {
        const authorize = (client) => `${origin}/oidc/auth?${new URLSearchParams({ client_id: client, response_type: 'code', scope: 'openid', redirect_uri: callback, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', state: 's' })}`;
        await page.goto(authorize('no-such-app'));
        await shot('oidc-refused');
        // Signed in already: the first-party app gets its code with no page, then asks to sign out.
        await Promise.all([page.waitForURL(`${callback}**`), page.goto(authorize(clientId))]);
        await page.goto(`${origin}/oidc/session/end?client_id=${clientId}`);
        await shot('oidc-sign-out');
        await submit('button[name=logout]');
        await shot('oidc-signed-out');
      }
      await context.close();
    }
  }
  console.log(`screenshots saved in ${OUT}`);
} finally {
  await browser?.close();
  app.close();
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  rmSync(data, { recursive: true, force: true });
}
