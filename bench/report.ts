/**
 * Renders a results file as docs/benchmarks.md (tables of ratios to the baselines) and
 * docs/benchmarks.svg. `node --import tsx bench/report.ts bench/results/<file>.json` re-renders a
 * kept run without measuring anything; bench/check-citations.ts checks that the committed
 * document is exactly that rendering.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { correctRate, wrongAnswers, type LoadResult } from './lib/load.js';
import { combined, judge, median, ofMedian, relativeSpread, type Judgement } from './noise.js';
import { chart } from './report-chart.js';
import { fmt, ratio } from './report-format.js';
import { BASELINE_OF, type ScenarioName } from './scenarios.js';
import type { BenchResults, BestOf, DatabaseResults, RevocationResult } from './types.js';



/**
 * The baseline every ratio uses: the median of every measurement of that baseline at that
 * concurrency in the run (the first one, one right before each scenario, and those before the
 * growth runs). One 4-second sample on this shared machine can dip by half; the median of a
 * dozen spread over the run does not.
 */
export function baselineOf(r: BenchResults, kind: 'argon2' | 'fastify', connections: number): { value: number; samples: number; values: number[] } {
  const bare = r.baselines.fastify[connections];
  const samples = [kind === 'argon2' ? r.baselines.argon2[connections] : bare && correctRate(bare)];
  for (const db of Object.values(r.databases)) {
    for (const [name, byConn] of Object.entries(db.scenarios) as Array<[ScenarioName, Record<number, { baseline?: number }>]>) {
      if (BASELINE_OF[name] === kind) samples.push(byConn[connections]?.baseline);
    }
    if (connections === 10) samples.push(kind === 'argon2' ? db.growth?.loginBaseline : db.growth?.meBaseline);
  }
  const values = samples.filter((v): v is number => typeof v === 'number' && v > 0);
  return { value: median(values), samples: values.length, values };
}

/** The relative standard deviation of one 4 s sample, from the spread of a baseline's samples in the run. */
const sampleNoise = (r: BenchResults, kind: 'argon2' | 'fastify', connections: number): number | null => relativeSpread(baselineOf(r, kind, connections).values);

/** The relative noise of one run's rate divided by the median of a baseline. */
function scenarioNoise(r: BenchResults, kind: 'argon2' | 'fastify', connections: number): number | null {
  const one = sampleNoise(r, kind, connections);
  return one === null ? null : combined(one, ofMedian(one, baselineOf(r, kind, connections).samples));
}

/** The relative noise of a best-of figure: from its own runs when kept, else from the matching baseline's samples. */
const bestOfNoise = (runs: BestOf | undefined, fallback: number | null): number | null => (runs ? relativeSpread(runs.samples) : fallback);

/** " (3 other status, 1 error left out)" when a run had answers that do not count. */
function leftOut(runs: Array<LoadResult | undefined>): string {
  let unexpected = 0;
  let errors = 0;
  for (const run of runs) {
    if (!run) continue;
    const w = wrongAnswers(run);
    unexpected += w.unexpected;
    errors += w.errors;
  }
  return unexpected + errors === 0 ? '' : ` (${fmt(unexpected)} other status, ${fmt(errors)} errors left out)`;
}

function baselineCell(r: BenchResults, kind: 'argon2' | 'fastify', connections: number): string {
  const { value, samples } = baselineOf(r, kind, connections);
  return `${fmt(value, kind === 'argon2' ? 1 : 0)} (n=${samples})`;
}

interface Target {
  what: string;
  value: number;
  goal: number;
  atLeast: boolean;
  unit?: string;
  /** Relative standard deviation of a ratio (undefined for single measurements such as RSS). */
  noise?: number | null;
  /** The ratio cannot exceed 1 but for noise (growth). */
  atMostOne?: boolean;
  /** Answers that do not count, shown beside the figure. */
  wrong?: string;
}

/**
 * The goals of issue 20 by database: on PostgreSQL a session check is a round trip to another
 * process on the same two cores, so its goals are lower; peak RSS keeps its earlier goal there.
 */
export const GOALS = {
  sqlite: { login: 0.85, sessionCheck: 0.4, refresh: 0.2, peakRssMiB: 150 },
  postgres: { login: 0.85, sessionCheck: 0.3, refresh: 0.1, peakRssMiB: 200 },
} as const;

/** Cross-node revocation: every other node refuses a revoked token within this (issue 20). */
export const REVOCATION_GOAL_MS = 100;

const goalsOf = (dbName: string): (typeof GOALS)[keyof typeof GOALS] => (dbName === 'postgres' ? GOALS.postgres : GOALS.sqlite);

/** " (raw-net)": the loader of a scenario's run, when the file records it. */
const loaderNote = (s: LoadResult): string => (s.loader ? ` (${s.loader})` : '');

function targets(r: BenchResults, dbName: string, db: DatabaseResults): Target[] {
  const out: Target[] = [];
  const goals = goalsOf(dbName);
  for (const c of [10, 50]) {
    const argon = baselineOf(r, 'argon2', c).value;
    const fast = baselineOf(r, 'fastify', c).value;
    for (const name of ['login_jwt', 'login_cookie', 'login_basic', 'register'] as ScenarioName[]) {
      const s = db.scenarios[name]?.[c];
      if (s) out.push({ what: `${name} x${c} / bare argon2id${loaderNote(s)}`, value: correctRate(s) / argon, goal: goals.login, atLeast: true, noise: scenarioNoise(r, 'argon2', c), wrong: leftOut([s]) });
    }
    for (const [name, goal] of [
      ['me_bearer', goals.sessionCheck],
      ['check_login_cookie', goals.sessionCheck],
      ['refresh', goals.refresh],
    ] as Array<[ScenarioName, number]>) {
      const s = db.scenarios[name]?.[c];
      if (s) out.push({ what: `${name} x${c} / bare Fastify${loaderNote(s)}`, value: correctRate(s) / fast, goal, atLeast: true, noise: scenarioNoise(r, 'fastify', c), wrong: leftOut([s]) });
    }
  }
  // Two single 10-connection runs of session checks: each as noisy as one bare Fastify sample.
  const storm = db.storm.runs;
  out.push({
    what: 'session checks during a login storm / alone',
    value: db.storm.duringRps / db.storm.aloneRps,
    goal: 0.5,
    atLeast: true,
    noise: combined(sampleNoise(r, 'fastify', 10), sampleNoise(r, 'fastify', 10)),
    wrong: leftOut([storm?.alone, storm?.during, storm?.logins]),
  });
  if (db.growth) {
    const g = db.growth;
    const me10 = db.scenarios.me_bearer?.[10];
    const login10 = db.scenarios.login_jwt?.[10];
    const me1k = g.me1kRps ?? (me10 ? correctRate(me10) : 0);
    const login1k = g.login1kRps ?? (login10 ? correctRate(login10) : 0);
    const wrong = (runs: BestOf | undefined): string => (runs && runs.unexpected + runs.errors > 0 ? ` (${fmt(runs.unexpected)} other status, ${fmt(runs.errors)} errors left out)` : '');
    const meNoise = sampleNoise(r, 'fastify', 10);
    const loginNoise = sampleNoise(r, 'argon2', 10);
    out.push({
      what: `session check at ${fmt(g.accounts)} accounts / at 1,000`,
      value: g.meRps / me1k,
      goal: 0.9,
      atLeast: true,
      noise: combined(bestOfNoise(g.runs?.me, meNoise), bestOfNoise(g.runs?.me1k, meNoise)),
      atMostOne: true,
      wrong: `${wrong(g.runs?.me)}${wrong(g.runs?.me1k)}`,
    });
    out.push({
      what: `login at ${fmt(g.accounts)} accounts / at 1,000`,
      value: g.loginRps / login1k,
      goal: 0.9,
      atLeast: true,
      noise: combined(bestOfNoise(g.runs?.login, loginNoise), bestOfNoise(g.runs?.login1k, loginNoise)),
      atMostOne: true,
      wrong: `${wrong(g.runs?.login)}${wrong(g.runs?.login1k)}`,
    });
  }
  out.push({ what: 'peak RSS in the mixed workload', value: db.mixedPeakRssMiB, goal: goals.peakRssMiB, atLeast: false, unit: ' MiB' });
  out.push({ what: 'start-up to first answer (warm)', value: db.startupWarmMs, goal: 1000, atLeast: false, unit: ' ms' });
  for (const rev of db.revocation ?? []) {
    out.push({
      what: `cross-node revocation through ${channelName(rev)}, slowest of ${fmt(rev.refusals)} refusals on 3 nodes`,
      // A node that never refused within the wait counts as a miss whatever the others did.
      value: rev.missed > 0 ? Math.max(rev.maxMs, 5000) : rev.maxMs,
      goal: REVOCATION_GOAL_MS,
      atLeast: false,
      unit: ' ms',
      wrong: rev.missed > 0 ? ` (${fmt(rev.missed)} not refused within 5 s)` : '',
    });
  }
  return out;
}

const channelName = (rev: RevocationResult): string => (rev.channel === 'redis' ? 'Redis pub/sub' : 'LISTEN/NOTIFY');

/** The revocation runs' spread, under the PostgreSQL scenarios. */
function revocationLine(db: DatabaseResults): string[] {
  if (!db.revocation?.length) return [];
  const one = (rev: RevocationResult): string => `${channelName(rev)} p50 ${fmt(rev.p50Ms, 1)} ms, p90 ${fmt(rev.p90Ms, 1)} ms, max ${fmt(rev.maxMs, 1)} ms`;
  return [
    `Cross-node revocation (3 nodes, ${fmt(db.revocation[0]!.rounds)} logouts per channel, from the logout's answer on one node until each other node refuses the token, one polling request included): ${db.revocation.map(one).join('; ')}.`,
  ];
}

/** The PostgreSQL baseline beside the session checks: how close a database-checked request is to its own limit. */
function pgSelectLine(db: DatabaseResults): string[] {
  const base = db.pgSelectBaseline;
  if (!base) return [];
  const conns = Object.keys(base).map(Number);
  const of = (name: ScenarioName): string =>
    conns.map((c) => (db.scenarios[name]?.[c] && base[c] ? ratio(correctRate(db.scenarios[name]![c]!), correctRate(base[c]!)) : '—')).join(' / ');
  return [
    `Bare Fastify with one primary-key SELECT through pg (the limit of a database-checked request): ${conns.map((c) => fmt(correctRate(base[c]!))).join(' / ')} req/s at ${conns.join(' / ')} connections; bearer \`/me\` ${of('me_bearer')} and cookie \`check_login\` ${of('check_login_cookie')} of it.`,
  ];
}

function scenarioTable(r: BenchResults, db: DatabaseResults): string[] {
  const lines = [
    '| scenario | conns | req/s (expected status only) | p50 ms | p99 ms | answers of another status | errors | baseline | ratio |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [name, byConn] of Object.entries(db.scenarios) as Array<[ScenarioName, Record<number, LoadResult>]>) {
    for (const [c, s] of Object.entries(byConn)) {
      const kind = BASELINE_OF[name];
      const base = kind === 'none' ? undefined : baselineOf(r, kind, Number(c)).value;
      const rate = correctRate(s);
      const wrong = wrongAnswers(s);
      lines.push(
        `| ${name}${s.loader ? ` (${s.loader})` : ''} | ${c} | ${fmt(rate, rate < 100 ? 1 : 0)} | ${s.p50} | ${s.p99} | ${fmt(wrong.unexpected)} | ${fmt(wrong.errors)} | ${
          base === undefined ? '—' : `${kind} ${fmt(base, base < 100 ? 1 : 0)}`
        } | ${base === undefined ? '—' : ratio(rate, base)} |`,
      );
    }
  }
  return lines;
}

/** The loaders' own ceilings (one measurement each), when the run measured them. */
function ceilingRows(r: BenchResults): string[] {
  const c = r.loaderCeiling;
  if (!c) return [];
  const cell = (run: LoadResult | undefined): string => (run ? `${fmt(correctRate(run))} (n=1)` : '—');
  return [
    `| loader ceiling: raw-net against a server that answers without parsing, req/s | ${cell(c.raw[10])} | ${cell(c.raw[50])} |`,
    `| loader ceiling: autocannon against the same server, req/s | ${cell(c.autocannon[10])} | ${cell(c.autocannon[50])} |`,
  ];
}

/** Bare Fastify's answer to a POST with a JSON body, beside the GET sample taken just before it, when the run measured it. */
function jsonPostRow(r: BenchResults): string[] {
  const post = r.fastifyJsonPost;
  if (!post) return [];
  const cell = (c: number): string => {
    const p = post[c];
    const get = r.baselines.fastify[c];
    return p && get ? `${fmt(correctRate(p))} (n=1; ${ratio(correctRate(p), correctRate(get))} of the GET sample just before it, ${fmt(correctRate(get))})` : '—';
  };
  return [`| bare Fastify, the same constant to a POST with the JSON body \`{}\`, req/s (not divided by) | ${cell(10)} | ${cell(50)} |`];
}

/**
 * What the request body costs the cookie check: `check_login` as clients send it (JSON `{}`)
 * against the same check with no body, in the same run.
 */
function bodyCostLine(db: DatabaseResults): string[] {
  const withBody = db.scenarios.check_login_cookie;
  const without = db.scenarios.check_login_cookie_no_body;
  if (!withBody || !without) return [];
  const conns = Object.keys(withBody)
    .map(Number)
    .filter((c) => without[c]);
  if (conns.length === 0) return [];
  const rates = (byConn: Record<number, LoadResult>): string => conns.map((c) => fmt(correctRate(byConn[c]!))).join(' / ');
  return [
    `Cookie \`check_login\` with the JSON body \`{}\` its clients send: ${rates(withBody)} req/s at ${conns.join(' / ')} connections; the same check with no body (check_login_cookie_no_body, not a client's request): ${rates(without)} req/s; with the body ${conns.map((c) => ratio(correctRate(withBody[c]!), correctRate(without[c]!))).join(' / ')} of the rate without it.`,
  ];
}

/** The noise column: two standard deviations of the ratio, in its own units. */
const bandCell = (j: Judgement): string => (j.band === null ? 'not estimated' : `±${j.band.toFixed(2)}`);

const verdictCell = (j: Judgement): string => `${j.verdict === 'no' ? '**no**' : j.verdict}${j.note ? ` (${j.note})` : ''}`;

/** What the run measured with: commit, loader, machine. */
function provenance(r: BenchResults): string[] {
  const commit = r.commit
    ? `\`${r.commit.hash}\`${r.commit.dirty === true ? ' with uncommitted changes (dirty)' : r.commit.dirty === false ? ' (clean working tree)' : ''}${r.commit.note ? ` (${r.commit.note})` : ''}`
    : 'not recorded';
  const loader = r.loader
    ? `${r.loader.name} ${r.loader.version}, ${r.loader.connections.join(' and ')} connections, ${r.loader.seconds} s per run after a ${r.loader.warmupSeconds} s warm-up`
    : `autocannon (version not recorded), ${r.seconds} s per run`;
  const m = r.machine;
  return [
    `- Commit measured: ${commit}.`,
    `- Loader: ${loader}, on the same machine over loopback.`,
    `- Machine: ${m.cpus} × ${m.model}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os ? m.os : 'OS not recorded'}.`,
  ];
}

/** docs/benchmarks.md and docs/benchmarks.svg for `r`, read from `resultsFile`, with `findings` (bench/findings.md) at the end. */
export function renderReport(r: BenchResults, resultsFile: string, findings: string): { markdown: string; svg: string } {
  const out: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` from \`${resultsFile}\` (run started ${r.date}); \`node --import tsx`,
    `bench/report.ts ${resultsFile}\` renders it again without measuring. Do not edit by hand: the`,
    'findings section comes from `bench/findings.md`.',
    '',
    ...provenance(r),
    '',
    'Latchkey runs from `dist/` with `LOG_LEVEL=warn`. Every figure is compared with a baseline measured in the same run, because',
    'the machine is shared and absolute numbers drift between runs. Each baseline is measured again',
    'right before every scenario that uses it, and every ratio divides by the median of all of that',
    'baseline\'s measurements at that concurrency (a single 4 s sample here can dip by half).',
    '',
    'Rates count only the answers of the status a scenario expects (2xx unless it names a code):',
    'answers of any other status and connection errors are left out of the rate and shown beside it.',
    'A ratio is judged against its noise: the spread of the baseline\'s samples in the run (for the',
    'growth ratios, of their own best-of-three runs when the file keeps them) gives the standard',
    'deviation of one sample, and a ratio less than two standard deviations (the ± column) from its',
    'goal is "within noise", neither met nor missed. A growth ratio above 1 is always noise.',
    'Each target names its baseline and, where the results file records it, the loader of its run;',
    'the goals are those of issue 20, by database (`GOALS` in `bench/report.ts`).',
    '',
    '## Baselines',
    '',
    '| baseline (median of n measurements) | 10 | 50 |',
    '|---|---|---|',
    `| bare argon2id (m=19456, t=2, p=1), hashes/s | ${baselineCell(r, 'argon2', 10)} | ${baselineCell(r, 'argon2', 50)} |`,
    `| bare Fastify constant JSON, req/s | ${baselineCell(r, 'fastify', 10)} | ${baselineCell(r, 'fastify', 50)} |`,
    ...ceilingRows(r),
    ...jsonPostRow(r),
    '',
    '![throughput by scenario](benchmarks.svg)',
    '',
  ];
  for (const [name, db] of Object.entries(r.databases)) {
    out.push(`## ${name === 'sqlite' ? 'SQLite (file, WAL)' : 'PostgreSQL'}`, '');
    out.push('### Targets', '', '| target | measured | noise (±2σ) | goal | met |', '|---|---|---|---|---|');
    for (const t of targets(r, name, db)) {
      const shown = t.unit ? `${fmt(t.value)}${t.unit}` : `${t.value.toFixed(2)}×`;
      const goal = t.unit ? `${t.atLeast ? '≥' : '≤'} ${fmt(t.goal)}${t.unit}` : `≥ ${t.goal}×`;
      if (t.noise === undefined) {
        const met = t.atLeast ? t.value >= t.goal : t.value <= t.goal;
        out.push(`| ${t.what} | ${shown}${t.wrong ?? ''} | — | ${goal} | ${met ? 'yes' : '**no**'} |`);
      } else {
        const j = judge(t.value, t.goal, t.atLeast, t.noise, t.atMostOne);
        out.push(`| ${t.what} | ${shown}${t.wrong ?? ''} | ${bandCell(j)} | ${goal} | ${verdictCell(j)} |`);
      }
    }
    out.push('', '### Scenarios', '', ...scenarioTable(r, db), '');
    const storm = db.storm.runs;
    out.push(
      `Start-up to the first answered request: ${fmt(db.startupColdMs)} ms on a new database (migrations included), ${fmt(db.startupWarmMs)} ms after.`,
      ...(db.warmup
        ? [`Before its first scenario the server answered ${fmt(db.warmup.answers)} registrations and logins in ${fmt(db.warmup.seconds)} s, not counted (a warm-up, so that logins run on V8's optimised code).`]
        : []),
      ...bodyCostLine(db),
      ...pgSelectLine(db),
      ...revocationLine(db),
      `Session checks alone ${fmt(db.storm.aloneRps)} req/s; during a 50-connection login storm ${fmt(db.storm.duringRps)} req/s while ${fmt(db.storm.loginRps, 1)} logins/s completed${leftOut([storm?.alone, storm?.during, storm?.logins])}.`,
    );
    if (db.growth) {
      const g = db.growth;
      const samples = (runs: BestOf | undefined, digits: number): string => (runs ? ` (runs: ${runs.samples.map((v) => fmt(v, digits)).join(', ')})` : '');
      out.push(
        `Growth: with ${fmt(g.accounts)} accounts and as many sessions (seeded in ${fmt(g.seedSeconds)} s), session checks ${fmt(g.meRps)} req/s${samples(g.runs?.me, 0)} and logins ${fmt(g.loginRps, 1)}/s${samples(g.runs?.login, 1)} at 10 connections${
          g.me1kRps !== undefined
            ? `, against ${fmt(g.me1kRps)} req/s${samples(g.runs?.me1k, 0)} and ${fmt(g.login1kRps ?? 0, 1)}/s${samples(g.runs?.login1k, 1)} with 1,000 accounts right before seeding (each the best of ${g.rounds ?? 1} runs)`
            : ''
        }${g.meBaseline ? ` (bare Fastify ${fmt(g.meBaseline)} req/s and bare argon2id ${fmt(g.loginBaseline ?? 0, 1)}/s right before them)` : ''}.`,
      );
    }
    if (db.oidc) {
      const o = db.oidc;
      out.push(
        `OIDC code exchange (oidc_code_exchange: openid-client redeeming codes with PKCE and client_secret_basic, ${o.concurrency} in flight, one process): ${fmt(o.codeExchangePerS, 1)} exchanges/s, ${fmt(o.ratioToLogin, 2)}× the JWT login rate measured the same way (${fmt(o.loginPerS, 1)} logins/s); codes issued through the interaction at ${fmt(o.authorizePerS, 1)}/s.`,
      );
    }
    if (db.skipped.length) out.push(`Not measured (route not served yet): ${db.skipped.join(', ')}.`);
    out.push('');
  }
  out.push('## Findings', '', findings.trim(), '');
  return { markdown: out.join('\n'), svg: chart(r, { fastify: baselineOf(r, 'fastify', 50).value, argon2: baselineOf(r, 'argon2', 50).value }) };
}

const readFindings = (): string => (existsSync('bench/findings.md') ? readFileSync('bench/findings.md', 'utf8') : '(none recorded)');

/** Writes docs/benchmarks.md and docs/benchmarks.svg from `r`. A partial run (BENCH_ONLY) never replaces them. */
export function writeReport(r: BenchResults, resultsFile: string): void {
  if (r.only) throw new Error(`${resultsFile} is a partial run (BENCH_ONLY=${r.only.join(',')}): docs/benchmarks.md shows full runs only`);
  const { markdown, svg } = renderReport(r, resultsFile, readFindings());
  writeFileSync('docs/benchmarks.md', markdown);
  writeFileSync('docs/benchmarks.svg', svg);
}

/** Reads a results file. */
export const readResults = (file: string): BenchResults => JSON.parse(readFileSync(file, 'utf8')) as BenchResults;

// `node --import tsx bench/report.ts <results.json>` re-renders a stored run.
if (process.argv[1]?.endsWith('report.ts') && process.argv[2]) {
  writeReport(readResults(process.argv[2]), process.argv[2]);
  process.stdout.write(`wrote docs/benchmarks.md and docs/benchmarks.svg from ${process.argv[2]}\n`);
}
