// The benchmark report's rules: rates of correct answers only, verdicts against noise, and the
// citation check. Part of `npm test` (storage-independent).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkFindings, quotedFigures } from '../../bench/check-citations.js';
import { correctRate, type LoadResult } from '../../bench/lib/load.js';
import { judge, relativeSpread } from '../../bench/noise.js';
import { renderReport } from '../../bench/report.js';
import type { BenchResults } from '../../bench/types.js';

const run = (fields: Partial<LoadResult>): LoadResult => ({ rps: 0, p50: 1, p99: 2, requests: 0, errors: 0, non2xx: 0, seconds: 1, ...fields });

function results(me: LoadResult): BenchResults {
  return {
    format: 2,
    date: '2026-12-06T00:00:00.000Z',
    commit: { hash: 'abc1234', dirty: false },
    loader: { name: 'autocannon', version: '9.0.0', connections: [10], seconds: 1, warmupSeconds: 1 },
    seconds: 1,
    machine: { cpus: 2, model: 'test', memoryGiB: 1, node: 'v20', os: 'Linux' },
    baselines: { argon2: { 10: 100 }, fastify: { 10: run({ rps: 1000, requests: 1000, ok: 1000 }) } },
    databases: {
      sqlite: {
        startupColdMs: 500,
        startupWarmMs: 400,
        scenarios: { me_bearer: { 10: { ...me, baseline: 1000 } } },
        skipped: [],
        storm: { aloneRps: 1000, duringRps: 900, loginRps: 10 },
        growth: null,
        mixedPeakRssMiB: 100,
      },
    },
  };
}

const targetRow = (markdown: string, what: string): string => markdown.split('\n').find((l) => l.startsWith(`| ${what} `)) ?? '';

describe('benchmark report', () => {
  it('counts only answers of the expected status, in new and old results files', () => {
    assert.equal(correctRate(run({ rps: 300, requests: 800, ok: 300, non2xx: 500, seconds: 2 })), 150);
    // Before answers were counted by status, rps counted every answer: the 2xx ones are requests - non2xx.
    assert.equal(correctRate(run({ rps: 800, requests: 800, non2xx: 500, seconds: 2 })), 150);
  });

  it('never meets a target on answers of another status, and shows them beside the rate', () => {
    // 800 answers/s of which 500 were 401: 0.80x of bare Fastify counting all, 0.30x counting the correct ones.
    const { markdown } = renderReport(results(run({ rps: 300, requests: 800, ok: 300, non2xx: 500, statusCodes: { 200: 300, 401: 500 } })), 'x.json', '');
    const row = targetRow(markdown, 'me_bearer x10 / bare Fastify');
    assert.match(row, /\| 0\.30× \(500 other status, 0 errors left out\) \|/);
    assert.match(row, /\| \*\*no\*\* \|$/);
    assert.match(markdown, /\| me_bearer \| 10 \| 300 \| 1 \| 2 \| 500 \| 0 \| fastify 1,000 \| 0\.30× \|/);
  });

  it('names the loader of each scenario and shows the checks against the PostgreSQL SELECT baseline', () => {
    const r = results(run({ rps: 500, requests: 500, ok: 500, loader: 'raw-net' }));
    const sqlite = r.databases.sqlite!;
    r.databases.postgres = { ...sqlite, pgSelectBaseline: { 10: run({ rps: 2000, requests: 2000, ok: 2000 }) } };
    const { markdown } = renderReport(r, 'x.json', '');
    assert.match(markdown, /\| me_bearer \(raw-net\) \| 10 \| 500 \|/);
    assert.match(markdown, /one primary-key SELECT through pg \(the limit of a database-checked request\): 2,000 req\/s at 10 connections; bearer `\/me` 0\.25× and cookie `check_login` — of it\./);
  });

  it('holds each database to its own goals: refresh 0.2x on SQLite and 0.1x on PostgreSQL, session checks 0.4x and 0.3x, RSS 150 MiB on SQLite', () => {
    const r = results(run({ rps: 350, requests: 350, ok: 350, loader: 'raw-net' }));
    const sqlite = r.databases.sqlite!;
    sqlite.scenarios.refresh = { 10: { ...run({ rps: 150, requests: 150, ok: 150, loader: 'raw-net' }), baseline: 1000 } };
    sqlite.mixedPeakRssMiB = 160;
    r.databases.postgres = { ...sqlite, mixedPeakRssMiB: 160 };
    const { markdown } = renderReport(r, 'x.json', '');
    const [onSqlite, onPostgres] = markdown.split('## PostgreSQL') as [string, string];
    assert.match(targetRow(onSqlite, 'me_bearer x10 / bare Fastify'), /^\| me_bearer x10 \/ bare Fastify \(raw-net\) \| 0\.35× \| .* \| ≥ 0\.4× \| \*\*no\*\* \|$/);
    assert.match(targetRow(onPostgres, 'me_bearer x10 / bare Fastify'), /\| ≥ 0\.3× \| yes \|$/);
    assert.match(targetRow(onSqlite, 'refresh x10 / bare Fastify'), /\| 0\.15× \| .* \| ≥ 0\.2× \| \*\*no\*\* \|$/);
    assert.match(targetRow(onPostgres, 'refresh x10 / bare Fastify'), /\| ≥ 0\.1× \| yes \|$/);
    assert.match(targetRow(onSqlite, 'peak RSS in the mixed workload'), /\| 160 MiB \| — \| ≤ 150 MiB \| \*\*no\*\* \|$/);
    assert.match(targetRow(onPostgres, 'peak RSS in the mixed workload'), /\| ≤ 200 MiB \| yes \|$/);
  });

  it('shows the loaders\' own ceilings and the cross-node revocation of each channel, missed past 100 ms or when a node never refused', () => {
    const r = results(run({ rps: 500, requests: 500, ok: 500 }));
    r.loaderCeiling = { raw: { 10: run({ rps: 90_000, requests: 90_000, ok: 90_000 }) }, autocannon: { 10: run({ rps: 40_000, requests: 40_000, ok: 40_000 }) } };
    const rev = { rounds: 20, refusals: 40, missed: 0, p50Ms: 3, p90Ms: 8, maxMs: 40, delaysMs: [] };
    r.databases.postgres = { ...r.databases.sqlite!, revocation: [{ channel: 'listen-notify', ...rev }, { channel: 'redis', ...rev, refusals: 39, missed: 1, maxMs: 60 }] };
    const { markdown } = renderReport(r, 'x.json', '');
    assert.match(markdown, /\| loader ceiling: raw-net against a server that answers without parsing, req\/s \| 90,000 \(n=1\) \| — \|/);
    assert.match(markdown, /\| loader ceiling: autocannon against the same server, req\/s \| 40,000 \(n=1\) \| — \|/);
    assert.match(targetRow(markdown, 'cross-node revocation through LISTEN/NOTIFY, slowest of 40 refusals on 3 nodes'), /\| 40 ms \| — \| ≤ 100 ms \| yes \|$/);
    assert.match(targetRow(markdown, 'cross-node revocation through Redis pub/sub, slowest of 39 refusals on 3 nodes'), /\| 5,000 ms \(1 not refused within 5 s\) \| — \| ≤ 100 ms \| \*\*no\*\* \|$/);
    assert.match(markdown, /Cross-node revocation \(3 nodes, 20 logouts per channel, .*\): LISTEN\/NOTIFY p50 3\.0 ms, p90 8\.0 ms, max 40\.0 ms; Redis pub\/sub p50 3\.0 ms, p90 8\.0 ms, max 60\.0 ms\./);
  });

  it('sets the cookie check with its body beside the same check without one, and bare Fastify\'s POST beside its GET', () => {
    const r = results(run({ rps: 500, requests: 500, ok: 500 }));
    const sqlite = r.databases.sqlite!;
    sqlite.scenarios.check_login_cookie = { 10: { ...run({ rps: 300, requests: 300, ok: 300, loader: 'raw-net' }), baseline: 1000 } };
    sqlite.scenarios.check_login_cookie_no_body = { 10: { ...run({ rps: 400, requests: 400, ok: 400, loader: 'raw-net' }), baseline: 1000 } };
    r.fastifyJsonPost = { 10: run({ rps: 750, requests: 750, ok: 750 }) };
    const { markdown } = renderReport(r, 'x.json', '');
    assert.match(markdown, /\| bare Fastify, the same constant to a POST with the JSON body `\{\}`, req\/s \(not divided by\) \| 750 \(n=1; 0\.75× of the GET sample just before it, 1,000\) \| — \|/);
    assert.match(markdown, /Cookie `check_login` with the JSON body `\{\}` its clients send: 300 req\/s at 10 connections; the same check with no body \(check_login_cookie_no_body, not a client's request\): 400 req\/s; with the body 0\.75× of the rate without it\./);
    assert.match(markdown, /\| check_login_cookie_no_body \(raw-net\) \| 10 \| 400 \|/);
    // Not a target: only the check as clients send it is held to the goal.
    assert.equal(targetRow(markdown, 'check_login_cookie_no_body x10 / bare Fastify'), '');
    // A file from before either was measured renders without them.
    const old = renderReport(results(run({ rps: 500, requests: 500, ok: 500 })), 'x.json', '').markdown;
    assert.doesNotMatch(old, /POST with the JSON body|with no body/);
  });

  it('says how many logins warmed the server up before its scenarios, where a run did', () => {
    const r = results(run({ rps: 500, requests: 500, ok: 500 }));
    r.databases.sqlite!.warmup = { answers: 2345, seconds: 16.4 };
    assert.match(renderReport(r, 'x.json', '').markdown, /Before its first scenario the server answered 2,345 registrations and logins in 16 s, not counted/);
    assert.doesNotMatch(renderReport(results(run({ rps: 500, requests: 500, ok: 500 })), 'x.json', '').markdown, /Before its first scenario/);
  });

  it('records the commit, loader and machine it measured', () => {
    const { markdown } = renderReport(results(run({ rps: 500, requests: 500, ok: 500 })), 'x.json', '');
    assert.match(markdown, /Commit measured: `abc1234` \(clean working tree\)/);
    assert.match(markdown, /Loader: autocannon 9\.0\.0, 10 connections, 1 s per run after a 1 s warm-up/);
    assert.match(markdown, /Machine: 2 × test, 1 GiB, Node v20, Linux\./);
  });

  it('judges a ratio against its noise, and a growth ratio above 1 as noise', () => {
    assert.equal(judge(1.34, 0.9, true, 0.01, true).verdict, 'within noise');
    assert.match(judge(1.34, 0.9, true, 0.01, true).note ?? '', /noise/);
    assert.equal(judge(0.86, 0.9, true, 0.05).verdict, 'within noise');
    assert.equal(judge(0.86, 0.9, true, 0.01).verdict, 'no');
    assert.equal(judge(0.95, 0.85, true, 0.02).verdict, 'yes');
    // Range method for three samples: (max - min) / d2(3) / median.
    assert.ok(Math.abs(relativeSpread([90, 100, 110])! - 20 / 1.693 / 100) < 1e-9);
    assert.equal(relativeSpread([100]), null);
  });
});

describe('benchmark citation check', () => {
  it('finds every number of a run of figures that ends in a unit', () => {
    assert.deepEqual(quotedFigures('bearer `/me` 1,390 / 1,782 → 4,562 / 6,184 req/s at 10 / 50 connections'), ['1390', '1782', '4562', '6184']);
    assert.deepEqual(quotedFigures('`/me` x10 0.82× (n = 9 to 11), 0.91–0.96×, 758 ms, 48 µs'), ['0.82', '0.91', '0.96', '758', '48']);
  });

  it('accepts a figure of the kept file a paragraph names and nothing else', () => {
    const kept = '`bench/results/2026-12-05T0204Z-4539005.json`';
    assert.deepEqual(checkFindings('f.md', `Refresh 0.15× / 0.17× and 5,603 req/s (${kept}).`), []);
    assert.equal(checkFindings('f.md', `\`/me\` x10 0.82× (${kept}).`).length, 1);
    assert.equal(checkFindings('f.md', 'Refresh 0.15× in a run that no longer exists.').length, 1);
    assert.equal(checkFindings('f.md', 'Refresh 0.15× (`bench/results/partial-2026-12-06T0000Z-abc1234.json`).').length, 2);
  });
});
