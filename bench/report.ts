/** Renders a results file as docs/benchmarks.md (tables of ratios to the baselines) and docs/benchmarks.svg. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchResults, DatabaseResults } from './run.js';
import { BASELINE_OF, type ScenarioName } from './scenarios.js';

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The baseline every ratio uses: the median of every measurement of that baseline at that
 * concurrency in the run (the first one, one right before each scenario, and those before the
 * growth runs). One 4-second sample on this shared machine can dip by half; the median of a
 * dozen spread over the run does not.
 */
export function baselineOf(r: BenchResults, kind: 'argon2' | 'fastify', connections: number): { value: number; samples: number } {
  const samples = [kind === 'argon2' ? r.baselines.argon2[connections] : r.baselines.fastify[connections]?.rps];
  for (const db of Object.values(r.databases)) {
    for (const [name, byConn] of Object.entries(db.scenarios) as Array<[ScenarioName, Record<number, { baseline?: number }>]>) {
      if (BASELINE_OF[name] === kind) samples.push(byConn[connections]?.baseline);
    }
    if (connections === 10) samples.push(kind === 'argon2' ? db.growth?.loginBaseline : db.growth?.meBaseline);
  }
  const values = samples.filter((v): v is number => typeof v === 'number' && v > 0);
  return { value: median(values), samples: values.length };
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
}

function targets(r: BenchResults, db: DatabaseResults): Target[] {
  const out: Target[] = [];
  for (const c of [10, 50]) {
    const argon = baselineOf(r, 'argon2', c).value;
    const fast = baselineOf(r, 'fastify', c).value;
    for (const name of ['login_jwt', 'login_cookie', 'login_basic', 'register'] as ScenarioName[]) {
      const s = db.scenarios[name]?.[c];
      if (s) out.push({ what: `${name} x${c} / bare argon2id`, value: s.rps / argon, goal: 0.85, atLeast: true });
    }
    for (const [name, goal] of [
      ['me_bearer', 0.4],
      ['check_login_cookie', 0.4],
      ['refresh', 0.25],
    ] as Array<[ScenarioName, number]>) {
      const s = db.scenarios[name]?.[c];
      if (s) out.push({ what: `${name} x${c} / bare Fastify`, value: s.rps / fast, goal, atLeast: true });
    }
  }
  out.push({ what: 'session checks during a login storm / alone', value: db.storm.duringRps / db.storm.aloneRps, goal: 0.5, atLeast: true });
  if (db.growth) {
    const me1k = db.growth.me1kRps ?? db.scenarios.me_bearer?.[10]?.rps ?? 0;
    const login1k = db.growth.login1kRps ?? db.scenarios.login_jwt?.[10]?.rps ?? 0;
    out.push({ what: `session check at ${fmt(db.growth.accounts)} accounts / at 1,000`, value: db.growth.meRps / me1k, goal: 0.9, atLeast: true });
    out.push({ what: `login at ${fmt(db.growth.accounts)} accounts / at 1,000`, value: db.growth.loginRps / login1k, goal: 0.9, atLeast: true });
  }
  out.push({ what: 'peak RSS in the mixed workload', value: db.mixedPeakRssMiB, goal: 200, atLeast: false, unit: ' MiB' });
  out.push({ what: 'start-up to first answer (warm)', value: db.startupWarmMs, goal: 1000, atLeast: false, unit: ' ms' });
  return out;
}

function scenarioTable(r: BenchResults, db: DatabaseResults): string[] {
  const lines = ['| scenario | conns | req/s | p50 ms | p99 ms | errors + non-2xx | baseline | ratio |', '|---|---|---|---|---|---|---|---|'];
  for (const [name, byConn] of Object.entries(db.scenarios) as Array<[ScenarioName, Record<number, any>]>) {
    for (const [c, s] of Object.entries(byConn)) {
      const kind = BASELINE_OF[name];
      const base = kind === 'none' ? undefined : baselineOf(r, kind, Number(c)).value;
      lines.push(
        `| ${name} | ${c} | ${fmt(s.rps, s.rps < 100 ? 1 : 0)} | ${s.p50} | ${s.p99} | ${s.errors + s.non2xx} | ${
          base === undefined ? '—' : `${kind} ${fmt(base, base < 100 ? 1 : 0)}`
        } | ${base === undefined ? '—' : ratio(s.rps, base)} |`,
      );
    }
  }
  return lines;
}

function chart(r: BenchResults): string {
  const bars: Array<{ label: string; value: number; kind: string }> = [];
  bars.push({ label: 'bare Fastify', value: baselineOf(r, 'fastify', 50).value, kind: 'base' });
  bars.push({ label: 'bare argon2id', value: baselineOf(r, 'argon2', 50).value, kind: 'base' });
  for (const [dbName, db] of Object.entries(r.databases)) {
    for (const [name, byConn] of Object.entries(db.scenarios)) {
      const s = byConn?.[50];
      if (s) bars.push({ label: `${name} (${dbName})`, value: s.rps, kind: dbName });
    }
  }
  const width = 820;
  const rowH = 22;
  const left = 230;
  const max = Math.log10(Math.max(...bars.map((b) => b.value), 10));
  const scale = (v: number): number => (v <= 1 ? 0 : (Math.log10(v) / max) * (width - left - 90));
  const colors: Record<string, string> = { base: '#888', sqlite: '#2b6cb0', postgres: '#2f855a' };
  const rows = bars.map((b, i) => {
    const y = 40 + i * rowH;
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end" font-size="12">${b.label}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${scale(b.value).toFixed(1)}" height="${rowH - 6}" fill="${colors[b.kind] ?? '#555'}"/>`,
      `<text x="${left + scale(b.value) + 6}" y="${y + 15}" font-size="12">${fmt(b.value, b.value < 100 ? 1 : 0)}</text>`,
    ].join('');
  });
  const height = 60 + bars.length * rowH;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">Requests per second at 50 connections (log scale); grey = baselines, blue = SQLite, green = PostgreSQL</text>`,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes docs/benchmarks.md and docs/benchmarks.svg from `r`. */
export function writeReport(r: BenchResults, resultsFile: string): void {
  const out: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` from \`${resultsFile}\` (${r.date}). Do not edit by hand: the`,
    'findings section comes from `bench/findings.md`.',
    '',
    `Machine: ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}. Load generator`,
    `(autocannon) on the same machine over loopback; ${r.seconds} s per run. Latchkey runs from \`dist/\` with`,
    '`LOG_LEVEL=warn`. Every figure is compared with a baseline measured in the same run, because',
    'the machine is shared and absolute numbers drift between runs. Each baseline is measured again',
    'right before every scenario that uses it, and every ratio divides by the median of all of that',
    'baseline\'s measurements at that concurrency (a single 4 s sample here can dip by half).',
    '',
    '## Baselines',
    '',
    '| baseline (median of n measurements) | 10 | 50 |',
    '|---|---|---|',
    `| bare argon2id (m=19456, t=2, p=1), hashes/s | ${baselineCell(r, 'argon2', 10)} | ${baselineCell(r, 'argon2', 50)} |`,
    `| bare Fastify constant JSON, req/s | ${baselineCell(r, 'fastify', 10)} | ${baselineCell(r, 'fastify', 50)} |`,
    '',
    '![throughput by scenario](benchmarks.svg)',
    '',
  ];
  for (const [name, db] of Object.entries(r.databases)) {
    out.push(`## ${name === 'sqlite' ? 'SQLite (file, WAL)' : 'PostgreSQL'}`, '');
    out.push('### Targets', '', '| target | measured | goal | met |', '|---|---|---|---|');
    for (const t of targets(r, db)) {
      const met = t.atLeast ? t.value >= t.goal : t.value <= t.goal;
      const shown = t.unit ? `${fmt(t.value)}${t.unit}` : `${t.value.toFixed(2)}×`;
      const goal = t.unit ? `${t.atLeast ? '≥' : '<'} ${fmt(t.goal)}${t.unit}` : `≥ ${t.goal}×`;
      out.push(`| ${t.what} | ${shown} | ${goal} | ${met ? 'yes' : '**no**'} |`);
    }
    out.push('', '### Scenarios', '', ...scenarioTable(r, db), '');
    out.push(
      `Start-up to the first answered request: ${fmt(db.startupColdMs)} ms on a new database (migrations included), ${fmt(db.startupWarmMs)} ms after.`,
      `Session checks alone ${fmt(db.storm.aloneRps)} req/s; during a 50-connection login storm ${fmt(db.storm.duringRps)} req/s while ${fmt(db.storm.loginRps, 1)} logins/s completed.`,
    );
    if (db.growth) {
      out.push(
        `Growth: with ${fmt(db.growth.accounts)} accounts and as many sessions (seeded in ${fmt(db.growth.seedSeconds)} s), session checks ${fmt(db.growth.meRps)} req/s and logins ${fmt(db.growth.loginRps, 1)}/s at 10 connections${
          db.growth.me1kRps !== undefined
            ? `, against ${fmt(db.growth.me1kRps)} req/s and ${fmt(db.growth.login1kRps ?? 0, 1)}/s with 1,000 accounts right before seeding (each the best of ${db.growth.rounds ?? 1} runs)`
            : ''
        }${
          db.growth.meBaseline ? ` (bare Fastify ${fmt(db.growth.meBaseline)} req/s and bare argon2id ${fmt(db.growth.loginBaseline ?? 0, 1)}/s right before them)` : ''
        }.`,
      );
    }
    if (db.skipped.length) out.push(`Not measured (route not served yet): ${db.skipped.join(', ')}.`);
    out.push('');
  }
  out.push('## Findings', '');
  out.push(existsSync('bench/findings.md') ? readFileSync('bench/findings.md', 'utf8').trim() : '(none recorded)', '');
  writeFileSync('docs/benchmarks.md', out.join('\n'));
  writeFileSync('docs/benchmarks.svg', chart(r));
}

// `node --import tsx bench/report.ts <results.json>` re-renders a stored run.
if (process.argv[1]?.endsWith('report.ts') && process.argv[2]) {
  writeReport(JSON.parse(readFileSync(process.argv[2], 'utf8')) as BenchResults, process.argv[2]);
}
