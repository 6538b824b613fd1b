/**
 * Every unauthenticated path that can write an audit row has a per-address budget checked before
 * any work (docs/security.md, "Bounded under abuse", pre-work budgets): email links (confirmation
 * and reset, page and core), CSRF refusals, logins from a blocked address, reset requests and
 * confirmation resends. For each, one address floods past its budget; the refusals are the fast
 * answer (THROTTLED / 429 with Retry-After), write no further rows of their own, and do no work
 * (store calls, hashes and transactions counted through spies, as
 * test/security/refresh-token-check-costs-o1.test.ts does for refresh), while another address is
 * still served. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { corePolicy, secondFactorDeps } from '../../src/cli/core-wiring.js';
import { loadConfig } from '../../src/config/index.js';
import { verifyLogin } from '../../src/core/credentials/authenticate.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { ClientContext } from '../../src/core/ports.js';
import { checkConfirmToken, confirmAccount } from '../../src/core/email-flows/confirm.js';
import { resendConfirmation } from '../../src/core/email-flows/sign-up.js';
import { AuthError } from '../../src/core/errors.js';
import { checkResetToken, completePasswordReset, requestPasswordReset } from '../../src/core/passwords/reset.js';
import { createJwtSigner } from '../../src/crypto/jwt-signer.js';
import { CSRF_REFUSALS_PER_ADDRESS_MINUTE } from '../../src/http/csrf.js';
import { createAuditLog } from '../../src/store/audit.js';
import { createStores } from '../../src/store/index.js';
import { getPage, hiddenField, postForm } from '../pages/helpers.js';
import { CookieJar } from '../support/cookie-jar.js';
import { createFastHasher } from '../support/fast-hasher.js';
import { createTestInstance, type TestInstance } from '../support/instance.js';

const TOKEN_FAILURES = 3;
const MAIL_REQUESTS = 3;
const FLOOD = 40;
const PASSWORD = 'a long and private passphrase';
const ENV = { TOKEN_FAILURES_PER_IP_MINUTE: String(TOKEN_FAILURES), MAIL_REQUESTS_PER_IP_HOUR: String(MAIL_REQUESTS) };

/** Work done through the core: calls to the stores that look things up, hashes, transactions. */
interface Probe {
  accounts: number;
  tokens: number;
  hashes: number;
  transactions: number;
}

const ctx = (ip: string): ClientContext => ({ ip, userAgent: 'probe', surface: 'page' });
const junk = (n: number) => `${'j'.repeat(43)}${n}`;

function counting<T extends object>(target: T, bump: () => void): T {
  return new Proxy(target, {
    get: (obj, name) => {
      const value = Reflect.get(obj, name) as unknown;
      return typeof value === 'function'
        ? (...args: unknown[]) => {
            bump();
            return (value as (...a: unknown[]) => unknown).apply(obj, args);
          }
        : value;
    },
  });
}

/** Core dependencies on the instance's database, counting the work each call does. */
async function probedDeps(t: TestInstance): Promise<{ deps: CoreDeps; probe: Probe }> {
  const database = t.latchkey.database;
  const stores = createStores(database, t.clock);
  const probe: Probe = { accounts: 0, tokens: 0, hashes: 0, transactions: 0 };
  const serverKey = await stores.keys.getOrCreateSecret(stores.uow.db, 'server-key', () => 'unused', 0);
  const signer = await createJwtSigner({ uow: stores.uow, keys: stores.keys, clock: t.clock, issuer: 'latchkey' });
  const audit = createAuditLog(database.db, { clock: t.clock, serverKey, log: { info: () => {}, warn: () => {} } });
  const uow = {
    ...stores.uow,
    transaction: <T>(fn: Parameters<typeof stores.uow.transaction<T>>[0]) => {
      probe.transactions++;
      return stores.uow.transaction(fn);
    },
  } as typeof stores.uow;
  const fast = createFastHasher();
  const hasher = { ...fast, hash: (p: string) => (probe.hashes++, fast.hash(p)), verify: (h: string, p: string) => (probe.hashes++, fast.verify(h, p)) };
  const policy = corePolicy(loadConfig({ DATABASE_URL: 'sqlite::memory:', PUBLIC_URL: 'http://localhost:3000', ...ENV }));
  const deps: CoreDeps = {
    ...stores,
    uow,
    accounts: counting(stores.accounts, () => probe.accounts++),
    tokens: counting(stores.tokens, () => probe.tokens++),
    hasher,
    signer,
    clock: t.clock,
    policy,
    serverKey,
    audit,
    secondFactor: secondFactorDeps(t.latchkey.config, serverKey),
  };
  return { deps, probe };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return err instanceof AuthError ? err.code : String(err);
  }
}

describe('pre-work budgets: past its budget an address is refused before any work', () => {
  let t: TestInstance;
  let deps: CoreDeps;
  let probe: Probe;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast', env: ENV });
    ({ deps, probe } = await probedDeps(t));
    await t.service.registerAccount({ username: 'budget-user', password: PASSWORD });
  });
  after(() => t.close());

  const rowsFrom = async (ip: string): Promise<number> =>
    (await t.latchkey.database.db.selectFrom('audit_events').select(['id']).where('ip', '=', ip).execute()).length;
  const work = () => ({ ...probe });

  /** Floods `call` from `ip` until the budget is spent; then FLOOD more calls must be refused with no work and no rows. */
  async function assertRefusedWithoutWork(ip: string, spend: number, call: (i: number) => Promise<unknown>, spentCode = 'INVALID_TOKEN') {
    for (let i = 0; i < spend; i++) assert.equal(await outcome(call(i)), spentCode, `call ${i} within the budget does its work`);
    assert.equal(await outcome(call(spend)), 'THROTTLED', 'the call past the budget is refused');
    const rows = await rowsFrom(ip);
    const before = work();
    for (let i = 0; i < FLOOD; i++) assert.equal(await outcome(call(spend + 1 + i)), 'THROTTLED');
    assert.deepEqual(work(), before, 'the refused calls looked nothing up, hashed nothing and opened no transaction');
    assert.equal(await rowsFrom(ip), rows, 'the refused calls wrote no audit row');
  }

  it('confirmation links: refused before the lookup, the hash and the transaction', async () => {
    await assertRefusedWithoutWork('10.91.0.1', TOKEN_FAILURES, (i) => confirmAccount(deps, junk(i), PASSWORD, ctx('10.91.0.1')));
    const before = work();
    assert.equal(await outcome(checkConfirmToken(deps, junk(0), ctx('10.91.0.1'))), 'THROTTLED', 'the page check too');
    assert.deepEqual(work(), before);
    assert.equal(await outcome(confirmAccount(deps, junk(0), PASSWORD, ctx('10.91.0.2'))), 'INVALID_TOKEN', 'another address is still served');
  });

  it('reset links: refused before the lookup, the hash and the transaction', async () => {
    await assertRefusedWithoutWork('10.91.1.1', TOKEN_FAILURES, (i) => completePasswordReset(deps, junk(i), PASSWORD, ctx('10.91.1.1')));
    const before = work();
    assert.equal(await outcome(checkResetToken(deps, junk(0), ctx('10.91.1.1'))), 'THROTTLED', 'the page check too');
    assert.deepEqual(work(), before);
    assert.equal(await outcome(completePasswordReset(deps, junk(0), PASSWORD, ctx('10.91.1.2'))), 'INVALID_TOKEN', 'another address is still served');
  });

  it('reset requests and confirmation resends: the mail-request budget comes before any lookup', async () => {
    const ip = '10.91.2.1';
    let n = 0;
    // Both share the address's mail-request budget.
    const call = () => (n++ % 2 === 0 ? requestPasswordReset(deps, `nobody-${n}@example.com`, ctx(ip)) : resendConfirmation(deps, `nobody-${n}@example.com`, ctx(ip)));
    await assertRefusedWithoutWork(ip, MAIL_REQUESTS, call, 'ok');
    assert.equal(await outcome(requestPasswordReset(deps, 'nobody@example.com', ctx('10.91.2.2'))), 'ok', 'another address is still served');
  });

  it('logins from a blocked address: refused before the account lookup and the hash', async () => {
    const ip = '10.91.3.1';
    await deps.throttle.recordFailure(deps.uow.db, `ip:${ip}`, t.clock.now(), 600_000);
    await deps.throttle.block(deps.uow.db, `ip:${ip}`, t.clock.now() + 600_000);
    const before = work();
    for (let i = 0; i < FLOOD; i++) assert.equal(await outcome(verifyLogin(deps, 'budget-user', PASSWORD, ctx(ip))), 'THROTTLED');
    assert.deepEqual(work(), before, 'no account lookup and no hash for a blocked address');
    assert.equal(await outcome(verifyLogin(deps, 'budget-user', PASSWORD, ctx('10.91.3.2'))), 'ok', 'another address logs in');
  });

  it('the pages answer a spent link budget with a 429 HTML page before looking at the link', async () => {
    const jar = new CookieJar();
    const flood = '10.91.4.1';
    const get = (url: string, ip: string) => t.app.inject({ method: 'GET', url, remoteAddress: ip, headers: jar.headers() });
    const form = await getPage(t.app, jar, '/reset');
    const csrf = hiddenField(form.text, 'csrf');
    const post = (path: string, n: number, ip: string) =>
      t.app.inject({
        method: 'POST',
        url: path,
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', ...jar.headers() },
        payload: new URLSearchParams({ csrf, token: junk(n), password: PASSWORD, password_confirm: PASSWORD }).toString(),
      });
    for (let i = 0; i < TOKEN_FAILURES; i++) assert.equal((await post('/reset/complete', i, flood)).statusCode, 400);
    for (const res of [await post('/reset/complete', 90, flood), await post('/confirm', 91, flood), await get(`/reset?token=${junk(92)}`, flood), await get(`/confirm?token=${junk(93)}`, flood)]) {
      assert.equal(res.statusCode, 429, res.body.slice(0, 200));
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.ok(Number(res.headers['retry-after']) >= 1);
    }
    assert.equal((await get(`/confirm?token=${junk(94)}`, '10.91.4.2')).statusCode, 400, 'another address gets the bad-link page');
  });
});

describe('pre-work budgets: CSRF refusals', () => {
  let t: TestInstance;
  before(async () => {
    t = await createTestInstance({ hasher: 'fast' });
    await t.service.signUpWithEmail({ email: 'pending@example.com' });
    await t.service.signUpWithEmail({ email: 'pending2@example.com' }); // its own recipient mail budget
  });
  after(() => t.close());

  const queued = async () => (await t.latchkey.database.db.selectFrom('outbox').select(['id']).execute()).length;
  const rows = async (ip: string, type: string) =>
    (await t.latchkey.database.db.selectFrom('audit_events').select(['id']).where('ip', '=', ip).where('type', '=', type).execute()).length;

  /** A form post from `ip`: by default a script's, with no Origin, no cookie and a wrong token. */
  const post = (url: string, ip: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      remoteAddress: ip,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(fields).toString(),
    });
  const genuineForm = async () => {
    const jar = new CookieJar();
    const form = await getPage(t.app, jar, '/reset');
    return { jar, csrf: hiddenField(form.text, 'csrf') };
  };

  it(`past ${CSRF_REFUSALS_PER_ADDRESS_MINUTE} refusals a minute, an address's state changes get 429 before any work`, async () => {
    const flood = '10.92.0.1';
    const forged = () => post('/confirm/resend', flood, { csrf: 'x'.repeat(43), email: 'pending@example.com' });
    for (let i = 0; i < CSRF_REFUSALS_PER_ADDRESS_MINUTE; i++) assert.equal((await forged()).statusCode, 403, `refusal ${i}`);
    const first = await forged();
    assert.equal(first.statusCode, 429);
    assert.ok(Number(first.headers['retry-after']) >= 1 && Number(first.headers['retry-after']) <= 60);
    assert.match(String(first.headers['content-type']), /text\/html/, 'the pages answer with a page');
    await t.latchkey.audit.flush();
    const csrfRows = await rows(flood, 'csrf_rejected');
    const limitedRows = await rows(flood, 'rate_limited');
    for (let i = 0; i < 100; i++) assert.equal((await forged()).statusCode, 429);
    // A request with a genuine form token from the same address is refused too, before it is read: no mail is queued.
    const { jar, csrf } = await genuineForm();
    const mails = await queued();
    const genuine = await post('/confirm/resend', flood, { csrf, email: 'pending@example.com' }, { 'sec-fetch-site': 'same-origin', ...jar.headers() });
    assert.equal(genuine.statusCode, 429);
    assert.equal(await queued(), mails, 'the refused request did no work');
    // The cookie API: refused before its session is looked up.
    const api = await t.app.inject({ method: 'POST', url: '/accounts/action/?do=logout', remoteAddress: flood, headers: { cookie: 'sessionid=junk', 'x-csrftoken': 'junk' } });
    assert.equal(api.statusCode, 429);
    await t.latchkey.audit.flush();
    assert.equal(await rows(flood, 'csrf_rejected'), csrfRows, 'no further csrf_rejected rows');
    const limitedAfter = await t.latchkey.database.db.selectFrom('audit_events').select(['detail']).where('ip', '=', flood).where('type', '=', 'rate_limited').execute();
    // The flush above closed the window: the next refusal is a new window's first row, the rest its count.
    assert.ok(limitedAfter.length <= limitedRows + 2, `the refusals are folded into the budget's rate_limited rows: ${JSON.stringify(limitedAfter)}`);
    // Another address is still served: its genuine resend queues a mail.
    const other = await post('/confirm/resend', '10.92.0.2', { csrf, email: 'pending@example.com' }, { 'sec-fetch-site': 'same-origin', ...jar.headers() });
    assert.equal(other.statusCode, 200, other.body.slice(0, 200));
    assert.equal(await queued(), mails + 1);
  });

  it('refusals of requests from another site refuse only those: a foreign page cannot lock its visitors out', async () => {
    const flood = '10.92.2.1';
    const foreign = () => post('/confirm/resend', flood, { email: 'pending@example.com' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    for (let i = 0; i < CSRF_REFUSALS_PER_ADDRESS_MINUTE; i++) assert.equal((await foreign()).statusCode, 403, `refusal ${i}`);
    await t.latchkey.audit.flush();
    const csrfRows = await rows(flood, 'csrf_rejected');
    for (let i = 0; i < 50; i++) assert.equal((await foreign()).statusCode, 429);
    await t.latchkey.audit.flush();
    assert.equal(await rows(flood, 'csrf_rejected'), csrfRows, 'no further csrf_rejected rows');
    const { jar, csrf } = await genuineForm();
    const mails = await queued();
    const own = await post('/confirm/resend', flood, { csrf, email: 'pending2@example.com' }, { 'sec-fetch-site': 'same-origin', ...jar.headers() });
    assert.equal(own.statusCode, 200, 'the same address\'s own form still works');
    assert.equal(await queued(), mails + 1);
  });

  it('Bearer requests and the APIs under /api/ are never CSRF-checked, so a spent address can still use them', async () => {
    const flood = '10.92.1.1';
    for (let i = 0; i < CSRF_REFUSALS_PER_ADDRESS_MINUTE; i++) assert.equal((await post('/login', flood, { username: 'x', password: 'y' })).statusCode, 403);
    assert.equal((await post('/login', flood, { username: 'x', password: 'y' })).statusCode, 429);
    const jwt = await t.app.inject({ method: 'POST', url: '/api/v1/account/sessions/revoke-others', remoteAddress: flood, headers: { authorization: 'Bearer not-a-token' } });
    assert.equal(jwt.statusCode, 401, 'the Bearer request reached its own check');
    // The JSON and Basic APIs never look a cookie session up: a sign-up from the spent address is served.
    const signup = await t.app.inject({ method: 'POST', url: '/api/v1/account/register', remoteAddress: flood, payload: { username: 'spent-address-user', password: PASSWORD, email: 'spent-address@example.com' } });
    assert.equal(signup.statusCode, 200, signup.body.slice(0, 200));
  });
});
