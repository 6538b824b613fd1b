/**
 * The password rules on every path that sets a password (docs/security.md, SEC-1, SEC-3, SEC-4 and SEC-5): JWT
 * register, Basic create, the confirmation link's set-password page, Basic change and the reset
 * link's page. Each refusal is a 400 carrying the reason; a good password then succeeds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastToken } from '../core/outbox-reader.js';
import { basic } from '../basic/seed-curl.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { call } from '../support/http.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

interface Outcome {
  status: number;
  /** The reason as the surface shows it: the error message, or the page's text. */
  reason: string;
}

/** Sets the password of one account (or registers it) through one surface. */
type SetPassword = (password: string) => Promise<Outcome>;

interface SettingPath {
  name: string;
  /** The status of a successful set. */
  ok: number;
  /** Prepares an account whose username or email local part is `name`; returns its setter. */
  open(t: TestInstance, name: string): Promise<SetPassword>;
}

const DOMAIN = 'verona.test';
const FIRST = 'a first passphrase here';

/** A setter posting the form of a set-password page (confirm or reset), re-reading its form token after each answer. */
async function formSetter(t: TestInstance, link: string, action: string): Promise<SetPassword> {
  const jar = new CookieJar();
  const page = await getPage(t.app, jar, link);
  assert.equal(page.status, 200, page.text);
  let csrf = hiddenField(page.text, 'csrf');
  const token = hiddenField(page.text, 'token');
  return async (password) => {
    const res = await postForm(t.app, jar, action, { csrf, token, password, password_confirm: password });
    if (res.status === 400) csrf = hiddenField(res.text, 'csrf');
    return { status: res.status, reason: res.text };
  };
}

const PATHS: SettingPath[] = [
  {
    name: 'JWT register',
    ok: 200,
    async open(t, name) {
      return async (password) => {
        const res = await call(t.app, 'POST', '/api/v1/account/register', { json: { username: name, password, email: `${name}@${DOMAIN}` } });
        return { status: res.status, reason: res.body?.error?.message ?? res.text };
      };
    },
  },
  {
    name: 'Basic create',
    ok: 201,
    async open(t, name) {
      const username = `${name}@${DOMAIN}`;
      return async (password) => {
        const res = await call(t.app, 'POST', '/api/account', { json: { username, password, email: username } });
        return { status: res.status, reason: res.body?.message ?? res.text };
      };
    },
  },
  {
    name: 'confirm-link set-password page',
    ok: 303,
    async open(t, name) {
      const email = `${name}@${DOMAIN}`;
      await t.service.signUpWithEmail({ email });
      const token = await lastToken(t, email, 'confirm_account');
      return formSetter(t, `/confirm?token=${encodeURIComponent(token)}`, '/confirm');
    },
  },
  {
    name: 'Basic change',
    ok: 200,
    async open(t, name) {
      const username = `${name}@${DOMAIN}`;
      const created = await call(t.app, 'POST', '/api/account', { json: { username, password: FIRST, email: username } });
      assert.equal(created.status, 201, created.text);
      let current = FIRST;
      return async (password) => {
        const res = await call(t.app, 'POST', '/api/account/pw/change', { headers: basic(username, current), json: { username, password } });
        if (res.status === 200) current = password;
        return { status: res.status, reason: res.body?.message ?? res.text };
      };
    },
  },
  {
    name: 'reset-link page',
    ok: 303,
    async open(t, name) {
      const email = `${name}@${DOMAIN}`;
      await t.service.registerAccount({ username: name, password: FIRST, email });
      await t.service.requestPasswordReset(name);
      const token = await lastToken(t, email, 'reset_password');
      return formSetter(t, `/reset?token=${encodeURIComponent(token)}`, '/reset/complete');
    },
  },
];

const TOO_SHORT = /at least 8 characters/i;
const TOO_COMMON = /too common/i;
const GUESSABLE = /too common|too easy to guess/i;
const CONTEXT = /based on your username, email or the service name/i;

async function assertRefused(set: SetPassword, password: string, reason: RegExp): Promise<void> {
  const res = await set(password);
  assert.equal(res.status, 400, `"${password}" got ${res.status}: ${res.reason.slice(0, 300)}`);
  assert.match(res.reason, reason, `"${password}"`);
}

async function assertAccepted(set: SetPassword, password: string, ok: number): Promise<void> {
  const res = await set(password);
  assert.equal(res.status, ok, `"${password}" got ${res.status}: ${res.reason.slice(0, 300)}`);
}

describe('password rules on every setting path', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
  });
  after(() => t.close());

  PATHS.forEach((path, i) => {
    const name = (tag: string): string => `${['mercutio', 'benvolio', 'tybalt', 'balthasar', 'rosaline'][i]}-${tag}`;

    it(`SEC-1 ${path.name}: 7 code points are refused with a reason; 8 emoji (4 UTF-8 bytes each) are accepted`, async () => {
      const set = await path.open(t, name('len'));
      await assertRefused(set, 'seven77', TOO_SHORT);
      await assertRefused(set, '🦊🌵🎻🚲🍉🧭🐙', TOO_SHORT);
      await assertAccepted(set, '🦊🌵🎻🚲🍉🧭🐙🔑', path.ok);
    });

    it(`SEC-3 ${path.name}: a passphrase with spaces that mentions the username is accepted`, async () => {
      const set = await path.open(t, name('phrase'));
      await assertAccepted(set, `${name('phrase')} likes blue herons`, path.ok);
    });

    it(`SEC-4 ${path.name}: common, trivial and context-word passwords are refused with a reason; a good one succeeds`, async () => {
      const account = name('block');
      const set = await path.open(t, account);
      await assertRefused(set, 'iloveyou', TOO_COMMON);
      await assertRefused(set, 'Password123!', TOO_COMMON);
      await assertRefused(set, 'passwordpassword', GUESSABLE);
      await assertRefused(set, '123456789012345', GUESSABLE);
      await assertRefused(set, `${account}2024!`, CONTEXT);
      await assertRefused(set, `${account}${account}`, CONTEXT);
      await assertRefused(set, 'latchkey123', CONTEXT);
      await assertAccepted(set, 'orange kestrel over the weir', path.ok);
    });

    it(`SEC-5 ${path.name}: the blocklist compares the NFKC, lower-cased password`, async () => {
      const account = name('nfkc');
      const set = await path.open(t, account);
      await assertRefused(set, 'ＩＬＯＶＥＹＯＵ', TOO_COMMON);
      await assertRefused(set, `${account.toUpperCase()}２０２４`, CONTEXT);
      await assertAccepted(set, 'Cafe\u0301 au lait, s’il vous plaît', path.ok);
    });
  });

});

describe('password rules with the production argon2id hasher', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance(); // real argon2id
  });
  after(() => t.close());

  it('SEC-4 JWT register: a common password is refused before hashing; a good one registers and logs in', async () => {
    const set = await PATHS[0]!.open(t, 'argon-romeo');
    await assertRefused(set, 'trustno1trustno1', GUESSABLE);
    await assertRefused(set, 'argon-romeo!!!', CONTEXT);
    await assertAccepted(set, 'wherefore art thou, balcony', 200);
    const login = await call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'argon-romeo', password: 'wherefore art thou, balcony' } });
    assert.equal(login.status, 200, login.text);
  });

  it('SEC-5: a password set as NFKC logs in from another keyboard through the argon2id pool, and is never case-folded', async () => {
    const set = await PATHS[0]!.open(t, 'juliet-nfkc');
    await assertAccepted(set, 'Caf\u00e9 au lait, please', 200);
    const login = (password: string) => call(t.app, 'POST', '/api/v1/account/login', { json: { username: 'juliet-nfkc', password } });
    assert.equal((await login('Cafe\u0301 au lait, please')).status, 200);
    assert.equal((await login('CAF\u00c9 AU LAIT, PLEASE')).status, 401);
  });
});
