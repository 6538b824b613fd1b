/**
 * CloudSigma's official Python client (pycloudsigma) against the cookie-session API, replayed
 * header for header and byte for byte as python-requests sends it:
 *
 * - Its session login POSTs `simplejson.dumps({"username", "password"})` to
 *   `/accounts/action/?do=login` with `content-type: application/json` and its own user agent,
 *   on top of python-requests' defaults (`Accept-Encoding`, `Accept: *\/*`, `Connection:
 *   keep-alive`). It then calls `resp.json()` on every 200/201/202 answer, and only then reads the
 *   `csrftoken` cookie, which it sends back as `X-CSRFToken` with `Referer: <endpoint>/` on
 *   every later request of the session. An empty success body made that login impossible.
 * - Its `Accounts().create(email)` drops the session and POSTs `{"email": …, "promo": null}` to
 *   `?do=create`, also parsed with `resp.json()`; the CloudSigma docs' own example answer of
 *   create is a JSON object.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CookieJar, findSetCookie } from '../support/cookie-jar.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const ENDPOINT = 'http://localhost:3000/';
/** python-requests' default headers, with pycloudsigma's user agent and content type. */
const REQUESTS = {
  'user-agent': 'CloudSigma turlo client',
  'accept-encoding': 'gzip, deflate',
  accept: '*/*',
  connection: 'keep-alive',
  'content-type': 'application/json',
};

/** `simplejson.dumps` of a flat dict: `", "` between items and `": "` after keys, Python's order. */
function pyDumps(entries: Array<[string, string | null]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v === null ? 'null' : JSON.stringify(v)}`).join(', ')}}`;
}

interface PyResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
}

/** `_process_response`: `resp.json()` for 200/201/202, as pycloudsigma does (throws like JSONDecodeError on an empty body). */
function processResponse(res: PyResponse): unknown {
  assert.ok([200, 201, 202].includes(res.status), `${res.status} ${res.text}`);
  const data = JSON.parse(res.text) as unknown;
  assert.ok(data !== null && typeof data === 'object' && !Array.isArray(data), 'a JSON object');
  return data;
}

describe('pycloudsigma against the cookie-session API', () => {
  let t: TestInstance;
  const email = 'john_doe@example.com';
  const password = 'a long and private passphrase';
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.registerAccount({ username: 'john', password, email });
  });
  after(() => t.close());

  /** One request of pycloudsigma's GenericClient: requests' headers, session headers, then its cookies. */
  async function post(action: string, body: string, session?: { jar: CookieJar; csrf: string }): Promise<PyResponse> {
    const headers: Record<string, string> = { ...REQUESTS, 'content-length': String(Buffer.byteLength(body)) };
    if (session) Object.assign(headers, { 'x-csrftoken': session.csrf, referer: ENDPOINT }, session.jar.headers());
    const res = await t.app.inject({ method: 'POST', url: `/accounts/action/?do=${action}`, headers, payload: body });
    session?.jar.update(res);
    return { status: res.statusCode, headers: res.headers, text: res.body };
  }

  /** `_login_session`: the login POST, `_process_response`, then `res.cookies['csrftoken']`. */
  async function loginSession(username: string): Promise<{ jar: CookieJar; csrf: string }> {
    const jar = new CookieJar();
    const res = await post('login', pyDumps([['username', username], ['password', password]]));
    jar.update(res);
    assert.deepEqual(processResponse(res), {});
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const csrf = findSetCookie(res, 'csrftoken')?.value;
    assert.ok(csrf, 'res.cookies["csrftoken"]');
    return { jar, csrf };
  }

  it('logs in a session by email or username: resp.json() is {} and the csrftoken cookie is there', async () => {
    for (const username of [email, 'john']) {
      const session = await loginSession(username);
      assert.ok(session.jar.get('sessionid'));
    }
  });

  it('uses the session: check_login {} and check_login_with_return_uuid {"uuid"}, with X-CSRFToken and Referer', async () => {
    const session = await loginSession(email);
    assert.deepEqual(processResponse(await post('check_login', pyDumps([]), session)), {});
    const who = processResponse(await post('check_login_with_return_uuid', pyDumps([]), session)) as { uuid: string };
    assert.match(who.uuid, /^[0-9a-f-]{36}$/);
  });

  it('logs out with 200 {}, and the session is over (the client then gets 401, its AuthError)', async () => {
    const session = await loginSession(email);
    const kept = session.jar.clone();
    assert.deepEqual(processResponse(await post('logout', pyDumps([]), session)), {});
    const after = await post('check_login', pyDumps([]), { jar: kept, csrf: session.csrf });
    assert.equal(after.status, 401);
  });

  it('a wrong password is 401, which the client raises as AuthError', async () => {
    const res = await post('login', pyDumps([['username', email], ['password', 'not the password']]));
    assert.equal(res.status, 401);
  });

  it('Accounts().create(email): {"success": true}, the same bytes for a new and an existing address', async () => {
    const fresh = await post('create', pyDumps([['email', 'new_user+42@example.com'], ['promo', null]]));
    const existing = await post('create', pyDumps([['email', email], ['promo', null]]));
    assert.deepEqual(processResponse(fresh), { success: true });
    assert.equal(existing.status, fresh.status);
    assert.equal(existing.text, fresh.text);
    assert.equal(existing.headers['content-type'], fresh.headers['content-type']);
    assert.equal(findSetCookie(fresh, 'sessionid'), undefined);
  });

  it("the CloudSigma docs' create request (indented JSON, promo null) gets a JSON object", async () => {
    const body = '{\n    "email": "john_doe+43@example.com",\n    "promo": null\n}\n';
    const res = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=create', headers: { 'content-type': 'application/json' }, payload: body });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { success: true });
  });
});
