/**
 * The language form on /account (docs/branding.md#language): the owner picks a shipped language,
 * it is stored on the account (what POST /api/v1/account/locale stores), this browser's pages
 * follow at once and other browsers after signing in; anything else is refused on the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';
import { getPage, hiddenField, postForm } from './helpers.js';

const PASSWORD = 'language form password';
const ENGLISH = { 'accept-language': 'en-GB,en;q=0.8' };

describe('pages: the language form on /account', () => {
  let t: TestInstance;
  let accountId: string;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: { BRAND_NAME: 'Acme ID' } });
    accountId = (await t.service.registerAccount({ username: 'lena', password: PASSWORD, email: 'lena@example.com' })).id;
  });
  after(async () => t.close());

  async function signedIn(): Promise<{ jar: CookieJar; csrf: string; page: string }> {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/login');
    const login = await postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username: 'lena', password: PASSWORD }, ENGLISH);
    assert.equal(login.status, 303);
    const res = await t.app.inject({ method: 'GET', url: '/account', headers: { ...jar.headers(), ...ENGLISH } });
    jar.update(res);
    return { jar, csrf: hiddenField(res.body, 'csrf'), page: res.body };
  }
  const locale = async (): Promise<string | null> => (await t.latchkey.database.db.selectFrom('accounts').select('locale').where('id', '=', accountId).executeTakeFirstOrThrow()).locale;

  it('offers the shipped languages, the default one selected while none is stored', async () => {
    const { page } = await signedIn();
    assert.match(page, /<form method="post" action="\/account\/language"><input type="hidden" name="csrf" value="[^"]+">/);
    assert.match(page, /<label for="language">Language of these pages and of our emails to you<\/label><select id="language" name="language">/);
    assert.match(page, /<option value="en" lang="en" selected>English<\/option>/);
    assert.match(page, /<option value="de" lang="de">Deutsch<\/option>/);
  });

  it('stores German, and the pages follow: this browser at once, another one once signed in', async () => {
    const { jar, csrf } = await signedIn();
    const chosen = await postForm(t.app, jar, '/account/language', { csrf, language: 'de' }, ENGLISH);
    assert.equal(chosen.status, 303);
    assert.equal(chosen.headers.location, '/account');
    assert.match(String(chosen.headers['set-cookie']), /lang=de; Max-Age=31536000; Path=\/; HttpOnly; SameSite=Lax/);
    assert.equal(await locale(), 'de');
    const here = await t.app.inject({ method: 'GET', url: '/account', headers: { ...jar.headers(), ...ENGLISH } });
    assert.match(here.body, /<html lang="de">/);
    assert.match(here.body, /<title>Ihr Konto · Acme ID<\/title>/);
    assert.match(here.body, /<option value="de" lang="de" selected>Deutsch<\/option>/);

    const elsewhere = await signedIn();
    assert.match(elsewhere.page, /<html lang="de">/, 'a browser asking for English gets the account language once signed in');
    const asked = await t.app.inject({ method: 'GET', url: '/account?lang=en', headers: elsewhere.jar.headers() });
    assert.match(asked.body, /<html lang="en">/, '?lang= still wins');
  });

  it('refuses a language it does not ship on the page, the select marked, nothing stored', async () => {
    const { jar, csrf } = await signedIn();
    const before = await locale();
    const refused = await postForm(t.app, jar, '/account/language', { csrf, language: 'xx' }, ENGLISH);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /<select id="language" name="language" aria-invalid="true" aria-describedby="language-error" autofocus>/);
    assert.match(refused.text, /<p id="language-error" class="field-error">[^<]+<\/p>/);
    assert.equal(await locale(), before);
  });

  it('needs the session and its CSRF token', async () => {
    const { jar } = await signedIn();
    assert.equal((await postForm(t.app, jar, '/account/language', { csrf: 'wrong', language: 'en' })).status, 403);
    const anonymous = await postForm(t.app, new CookieJar(), '/account/language', { csrf: 'x', language: 'en' });
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.location, '/login');
  });
});
