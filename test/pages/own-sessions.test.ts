/**
 * The /account page's session list (README, "The JSON API"): every live session with this device marked, a
 * form to end each one, "log out everywhere else", CSRF on both forms, and user agents (which
 * any client chooses) shown escaped. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { action } from '../cookie/helpers.js';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { bearer, call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { getPage, hiddenField, postForm, type PageResponse } from './helpers.js';

const PASSWORD = 'session page password';
const XSS_UA = `Mozilla/5.0 <script>alert("ua")</script><img src=x onerror=alert(1)> '"\``;

async function loginThroughPage(t: TestInstance, username: string, userAgent = 'TestBrowser/1.0'): Promise<CookieJar> {
  const jar = new CookieJar();
  const form = await getPage(t.app, jar, '/login');
  const res = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username, password: PASSWORD }, { 'user-agent': userAgent });
  assert.equal(res.status, 303, res.text);
  return jar;
}

/** The session ids of the page's "end" forms, in page order. */
function listedIds(page: PageResponse): string[] {
  return [...page.text.matchAll(/<input type="hidden" name="session" value="([^"]*)">/g)].map((m) => m[1]!);
}

/** The public id (family id) of a cookie jar's session. */
async function idOf(t: TestInstance, jar: CookieJar): Promise<string> {
  return (await t.service.resolveCookieSession(jar.get('sessionid')!))!.session.familyId;
}

const alive = async (t: TestInstance, jar: CookieJar): Promise<boolean> => (await getPage(t.app, jar.clone(), '/account')).status === 200;

describe('/account sessions (argon2id)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // real argon2id for the page logins
    await t.service.registerAccount({ username: 'pat', password: PASSWORD });
    await t.service.registerAccount({ username: 'sam', password: PASSWORD });
  });
  after(() => t.close());

  it('lists every live session, marks this device, and shows an attacker-chosen user agent escaped', async () => {
    const here = await loginThroughPage(t, 'pat', 'HereBrowser/3.1');
    await loginThroughPage(t, 'pat', XSS_UA);
    const token = await t.app.inject({
      method: 'POST',
      url: '/api/v1/account/login',
      remoteAddress: '198.51.100.77',
      headers: { 'content-type': 'application/json', 'user-agent': 'PatApp/9' },
      payload: JSON.stringify({ username: 'pat', password: PASSWORD }),
    });
    assert.equal(token.statusCode, 200);

    const page = await getPage(t.app, here, '/account');
    assert.equal(page.status, 200);
    assert.match(page.text, /<h2>Where you are logged in<\/h2>/);
    assert.equal(listedIds(page).length, 3);
    assert.equal(listedIds(page)[0], await idOf(t, here), 'this device comes first');
    assert.equal(page.text.match(/This device/g)?.length, 1);
    // An unknown user agent is shown as it came, the raw string also in the title.
    assert.match(page.text, /<strong>This device<\/strong>\n<dl><dt>Device<\/dt><dd><span title="HereBrowser\/3\.1">HereBrowser\/3\.1<\/span><\/dd><dt>Address<\/dt><dd>127\.0\.0\.1<\/dd>/);
    assert.match(page.text, /<strong>App \(API tokens\)<\/strong>\n<dl><dt>Device<\/dt><dd><span title="PatApp\/9">PatApp\/9<\/span><\/dd><dt>Address<\/dt><dd>198\.51\.100\.77<\/dd>/);
    // Times are relative, the exact UTC time in the title.
    assert.match(page.text, /<dt>Logged in<\/dt><dd><time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z" title="\d{4}-\d\d-\d\d \d\d:\d\d UTC">now<\/time><\/dd>/);
    // The hostile user agent is text, not markup.
    assert.ok(
      page.text.includes('Mozilla/5.0 &lt;script&gt;alert(&quot;ua&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; &#39;&quot;&#96;'),
      'the user agent appears escaped',
    );
    assert.doesNotMatch(page.text, /<script|<img/i);
    // Every form carries this session's CSRF token.
    const forms = page.text.match(/<form method="post"[^>]*>/g) ?? [];
    const csrfFields = page.text.match(/<input type="hidden" name="csrf" value="([^"]*)">/g) ?? [];
    assert.equal(csrfFields.length, forms.length);
    assert.ok(csrfFields.every((f) => f.includes(`value="${here.get('csrftoken')}"`)));
    assert.match(page.text, /<form method="post" action="\/account\/sessions\/end-others">/);
    // Sam sees only his own session.
    const sam = await loginThroughPage(t, 'sam');
    const samPage = await getPage(t.app, sam, '/account');
    assert.deepEqual(listedIds(samPage), [await idOf(t, sam)]);
    assert.match(samPage.text, /You are not logged in anywhere else\./);
    assert.doesNotMatch(samPage.text, /end-others/);
  });

  it('ends another browser at once and says so; this device stays', async () => {
    const here = await loginThroughPage(t, 'pat');
    const other = await loginThroughPage(t, 'pat');
    assert.ok(await alive(t, other));
    const otherId = await idOf(t, other);
    assert.ok(listedIds(await getPage(t.app, here, '/account')).includes(otherId));
    const res = await postForm(t.app, here, '/account/sessions/end', { csrf: here.get('csrftoken')!, session: otherId });
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /That session has been logged out\./);
    assert.equal(findSetCookie(res, 'sessionid'), undefined, 'this device keeps its cookie');
    assert.ok(!(await alive(t, other)), 'the other browser is logged out');
    assert.equal((await action(t.app, other, 'check_login')).status, 401);
    assert.ok(await alive(t, here));
    assert.ok(!listedIds(res).includes(otherId), 'the page no longer lists it');
  });

  it('ends an app (token) session from the page: its access and refresh tokens stop at once', async () => {
    const here = await loginThroughPage(t, 'pat');
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'pat', password: PASSWORD } });
    const pair = login.body.result.token as { access: string; refresh: string };
    const sid = JSON.parse(Buffer.from(pair.access.split('.')[1]!, 'base64url').toString()).sid as string;
    const before = await getPage(t.app, here, '/account');
    assert.ok(listedIds(before).includes(sid));
    const res = await postForm(t.app, here, '/account/sessions/end', { csrf: here.get('csrftoken')!, session: sid });
    assert.equal(res.status, 200, res.text);
    assert.ok(!listedIds(res).includes(sid), 'the page no longer lists it');
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(pair.access) })).status, 401);
    assert.equal((await call(t.app, 'GET', '/api/v1/account/refresh', { headers: bearer(pair.refresh) })).status, 401);
  });

  it("ending this device's own session logs out: cookies cleared, 303 to /login", async () => {
    const here = await loginThroughPage(t, 'pat');
    const copy = here.clone();
    const res = await postForm(t.app, here, '/account/sessions/end', { csrf: here.get('csrftoken')!, session: await idOf(t, here) });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
    assert.equal(findSetCookie(res, 'sessionid')?.attributes['max-age'], '0');
    assert.equal(findSetCookie(res, 'csrftoken')?.attributes['max-age'], '0');
    assert.ok(!(await alive(t, copy)), 'the old cookie no longer works');
  });

  it('logs out everywhere else: browsers and apps end, this device stays', async () => {
    await t.service.registerAccount({ username: 'quinn', password: PASSWORD });
    const others = [await loginThroughPage(t, 'quinn'), await loginThroughPage(t, 'quinn')];
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'quinn', password: PASSWORD } });
    const access = login.body.result.token.access as string;
    const here = await loginThroughPage(t, 'quinn');
    const res = await postForm(t.app, here, '/account/sessions/end-others', { csrf: here.get('csrftoken')! });
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /3 other sessions have been logged out\./);
    assert.match(res.text, /You are not logged in anywhere else\./);
    assert.deepEqual(listedIds(res), [await idOf(t, here)]);
    for (const jar of others) assert.ok(!(await alive(t, jar)));
    assert.equal((await call(t.app, 'GET', '/api/v1/account/me', { headers: bearer(access) })).status, 401);
    assert.ok(await alive(t, here));
    const again = await postForm(t.app, here, '/account/sessions/end-others', { csrf: here.get('csrftoken')! });
    assert.match(again.text, /0 other sessions have been logged out\./);
  });

  it('SEC-28 refuses both forms without the session CSRF token, with another session’s, or from another site (403), ending nothing', async () => {
    const here = await loginThroughPage(t, 'pat');
    const other = await loginThroughPage(t, 'pat');
    const otherId = await idOf(t, other);
    const cases: Array<[string, Record<string, string>, Record<string, string>]> = [
      ['no token', {}, {}],
      ["another session's token", { csrf: other.get('csrftoken')! }, {}],
      ['a forged token', { csrf: 'A'.repeat(43) }, {}],
      ['foreign Origin', { csrf: here.get('csrftoken')! }, { origin: 'https://evil.example' }],
      ['cross-site fetch', { csrf: here.get('csrftoken')! }, { 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [name, fields, headers] of cases) {
      const one = await postForm(t.app, here.clone(), '/account/sessions/end', { ...fields, session: otherId }, headers);
      assert.equal(one.status, 403, `end: ${name}`);
      assert.match(one.text, /expired or was sent from another site/);
      const all = await postForm(t.app, here.clone(), '/account/sessions/end-others', fields, headers);
      assert.equal(all.status, 403, `end-others: ${name}`);
    }
    assert.ok(await alive(t, other), 'nothing was ended');
    assert.ok(await alive(t, here));
  });

  it("answers another account's session, an unknown or a malformed id with the page and an error (400), ending nothing", async () => {
    const here = await loginThroughPage(t, 'pat');
    const sam = await loginThroughPage(t, 'sam');
    const csrf = here.get('csrftoken')!;
    const texts = new Set<string>();
    for (const session of [await idOf(t, sam), '00000000-0000-4000-8000-000000000000', 'not-an-id', '', '<b>x</b>']) {
      const res = await postForm(t.app, here, '/account/sessions/end', { csrf, session });
      assert.equal(res.status, 400, session);
      assert.match(res.text, /That session was not found\. It may have ended already\./);
      texts.add(res.text.replace(/<time datetime="[^"]*">[^<]*<\/time>/g, ''));
    }
    assert.equal(texts.size, 1, "another account's session looks exactly like an unknown one");
    const long = await postForm(t.app, here, '/account/sessions/end', { csrf, session: 'x'.repeat(5000) });
    assert.equal(long.status, 400);
    assert.match(String(long.headers['content-type']), /^text\/html/);
    const twice = await t.app.inject({
      method: 'POST',
      url: '/account/sessions/end',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...here.headers() },
      payload: `csrf=${encodeURIComponent(csrf)}&session=a&session=b`,
    });
    assert.equal(twice.statusCode, 400);
    assert.ok(await alive(t, sam), "sam's session was not touched");
    assert.ok(await alive(t, here));
  });

  it('sends a visitor without a session to /login from both forms', async () => {
    for (const path of ['/account/sessions/end', '/account/sessions/end-others']) {
      const res = await postForm(t.app, new CookieJar().set('sessionid', 'forged'), path, { csrf: 'x', session: '00000000-0000-4000-8000-000000000000' });
      assert.equal(res.status, 303, path);
      assert.equal(res.headers.location, '/login');
    }
  });
});

describe('/account sessions: arbitrary form input (fast hasher)', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'fuzz', password: PASSWORD });
  });
  after(() => t.close());

  it('answers any form posted to the session forms with a page or a redirect, never a 5xx', async () => {
    const jar = await loginThroughPage(t, 'fuzz');
    const csrf = jar.get('csrftoken')!;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/account/sessions/end', '/account/sessions/end-others'),
        fc.dictionary(fc.constantFrom('csrf', 'session', '__proto__', 'constructor', 'id'), fc.string({ maxLength: 300 })),
        fc.boolean(),
        async (path, fields, withCsrf) => {
          const res = await postForm(t.app, jar.clone(), path, withCsrf ? { ...fields, csrf } : fields);
          assert.ok(res.status < 500, `${path} ${JSON.stringify(fields)} -> ${res.status}`);
          if (res.status !== 303) assert.match(String(res.headers['content-type']), /^text\/html/);
        },
      ),
      { numRuns: 100 },
    );
    assert.ok(await alive(t, jar), 'no random form ended this session');
  });
});
