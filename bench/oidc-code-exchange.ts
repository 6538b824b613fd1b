/**
 * `node --import tsx bench/oidc-code-exchange.ts`: the `oidc_code_exchange` scenario beside the
 * login rate. Issues CODES authorization codes through the real interaction (a signed-in Latchkey
 * session goes straight back), then redeems them at the token endpoint with CONCURRENCY requests
 * in flight (code + PKCE verifier + client_secret_basic: what an app does once per sign-in), and
 * measures JWT logins (argon2id) the same way. Loopback only; bounded by count and by
 * BENCH_SECONDS_MAX (default 120) per phase. Prints one JSON line. SQLite in memory, or
 * PostgreSQL with TEST_DATABASE_URL.
 */
import * as oidc from 'openid-client';
import { Agent, authorize, discover, PASSWORD, startOidcInstance } from '../test/oidc/support.js';

const CODES = Number(process.env.BENCH_CODES ?? 300);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const MAX_MS = Number(process.env.BENCH_SECONDS_MAX ?? 120) * 1000;
const APP = 'https://app.example.test/callback';
const BATCH = 50;

/** Runs `task(i)` for i < count with `concurrency` in flight, stopping early at the time bound; returns done count and ms. */
async function timed(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ done: number; ms: number }> {
  const started = Date.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < count && Date.now() - started < MAX_MS) {
      const i = next++;
      await task(i);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done, ms: Date.now() - started };
}

const t = await startOidcInstance({ hasher: 'argon2' });
try {
  await t.service.registerAccount({ username: 'alice', password: PASSWORD });
  const added = await t.addClient({ name: 'Bench', redirectUris: [APP], firstParty: true });
  const config = await discover(t.issuer, added.client.id, added.secret);
  const agent = new Agent();
  await authorize(config, agent, t.issuer, APP); // signs in once; every later code needs no form
  // Codes live 60 seconds: issue and redeem them in batches, timing each phase.
  const issuing = { done: 0, ms: 0 };
  const exchange = { done: 0, ms: 0 };
  while (issuing.done < CODES && exchange.ms + issuing.ms < MAX_MS) {
    const runs: Array<Awaited<ReturnType<typeof authorize>>> = [];
    const issued = await timed(Math.min(BATCH, CODES - issuing.done), CONCURRENCY, async () => {
      // Its own interaction cookies, the shared Latchkey session.
      const browser = new Agent();
      for (const name of ['sessionid', 'csrftoken']) browser.cookies.set(name, agent.cookies.get(name) ?? '');
      runs.push(await authorize(config, browser, t.issuer, APP));
    });
    const redeemed = await timed(runs.length, CONCURRENCY, async (i) => {
      const run = runs[i]!;
      await oidc.authorizationCodeGrant(config, run.callback, { pkceCodeVerifier: run.verifier, expectedState: run.state, expectedNonce: run.nonce });
    });
    issuing.done += issued.done;
    issuing.ms += issued.ms;
    exchange.done += redeemed.done;
    exchange.ms += redeemed.ms;
  }
  const login = await timed(CODES, CONCURRENCY, async () => {
    const res = await fetch(`${t.issuer}/api/v1/account/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORD }) });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    await res.arrayBuffer();
  });
  const rate = (r: { done: number; ms: number }): number => Math.round((r.done / r.ms) * 10_000) / 10;
  console.log(
    JSON.stringify({
      database: process.env.TEST_DATABASE_URL ? 'postgresql' : 'sqlite',
      concurrency: CONCURRENCY,
      authorize_per_s: rate(issuing),
      oidc_code_exchange_per_s: rate(exchange),
      login_jwt_per_s: rate(login),
      ratio_to_login: Math.round((rate(exchange) / rate(login)) * 100) / 100,
      counts: { codes: issuing.done, exchanged: exchange.done, logins: login.done },
    }),
  );
} finally {
  await t.close();
}
