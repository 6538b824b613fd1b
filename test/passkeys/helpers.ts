/** Helpers for the server-side passkey tests: the pages' passkey forms driven with the software authenticator. */
import assert from 'node:assert/strict';
import type { TestInstance } from '../support/instance.js';
import type { CookieJar } from '../support/cookie-jar.js';
import { getPage, hiddenField, postForm, type PageResponse } from '../pages/helpers.js';
import type { SoftAuthenticator, SoftCredential } from './authenticator.js';

function unescape(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}

/** The registration options a page embeds in its create form. */
export function embeddedOptions(page: string): any {
  const match = /data-passkey-options="([^"]*)"/.exec(page);
  if (!match) throw new Error(`no passkey options in page:\n${page.slice(0, 1500)}`);
  return JSON.parse(unescape(match[1]!));
}

/** Logs in with the password on /login; returns the answer. */
export async function passwordLogin(t: TestInstance, jar: CookieJar, username: string, password: string): Promise<PageResponse> {
  const form = await getPage(t.app, jar, '/login');
  return postForm(t.app, jar, '/login', { csrf: hiddenField(form.text, 'csrf'), username, password });
}

/** Starts adding a passkey from /account with this proof; the answer (the create page, or the refusal). */
export async function startAdding(t: TestInstance, jar: CookieJar, proof: Record<string, string>): Promise<PageResponse> {
  const account = await getPage(t.app, jar, '/account');
  return postForm(t.app, jar, '/account/passkeys/start', { csrf: hiddenField(account.text, 'csrf'), ...proof });
}

/** Adds a passkey (proof, create page, the authenticator's answer); asserts success and returns the credential and the final page. */
export async function addPasskey(t: TestInstance, jar: CookieJar, auth: SoftAuthenticator, proof: Record<string, string>, name = 'Key'): Promise<{ credential: SoftCredential; page: PageResponse }> {
  const create = await startAdding(t, jar, proof);
  assert.equal(create.status, 200, create.text);
  const { response, credential } = auth.register(embeddedOptions(create.text));
  const page = await postForm(t.app, jar, '/account/passkeys/finish', { csrf: hiddenField(create.text, 'csrf'), name, credential: JSON.stringify(response) });
  assert.equal(page.status, 200, page.text);
  return { credential, page };
}

/** Asks for options through a script endpoint with the form's CSRF token (and more fields); the JSON answer. */
export async function fetchOptions(t: TestInstance, jar: CookieJar, url: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await postForm(t.app, jar, url, fields);
  return { status: res.status, body: JSON.parse(res.text) };
}

/** The /login form's CSRF token and the passkey sign-in options. */
export async function signInOptions(t: TestInstance, jar: CookieJar): Promise<{ csrf: string; options: any }> {
  const form = await getPage(t.app, jar, '/login');
  const csrf = hiddenField(form.text, 'csrf');
  const answer = await fetchOptions(t, jar, '/login/passkey/options', { csrf });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { csrf, options: answer.body.options };
}

/** Posts a passkey sign-in answer to /login/passkey. */
export function signIn(t: TestInstance, jar: CookieJar, csrf: string, response: unknown, extra: Record<string, string> = {}): Promise<PageResponse> {
  return postForm(t.app, jar, '/login/passkey', { csrf, credential: typeof response === 'string' ? response : JSON.stringify(response), ...extra });
}
