/**
 * The shape of a results file (bench/results/<UTC time>-<commit>.json), shared by the runner
 * (bench/run.ts), the report (bench/report.ts) and the citation check (bench/check-citations.ts).
 * Fields marked optional are absent from files written before they existed; the report reads
 * both.
 */
import type { LoadResult } from './lib/load.js';
import type { ScenarioName } from './scenarios.js';

/** A scenario's figures and the rate of its baseline measured right before it (absent for mixed). */
export interface ScenarioResult extends LoadResult {
  baseline?: number;
}

/** The commit measured: `git rev-parse --short HEAD`, and whether the working tree differed from it. */
export interface CommitInfo {
  hash: string;
  /** true: uncommitted changes were measured; null: not recorded at the time of the run. */
  dirty: boolean | null;
  /** How the commit was established when it was added to the file after the run. */
  note?: string;
}

export interface LoaderInfo {
  name: string;
  version: string;
  /** Connection counts of the scenario runs (the storm and growth runs say their own). */
  connections: number[];
  /** Seconds per measured run, after an uncounted warm-up of warmupSeconds. */
  seconds: number;
  warmupSeconds: number;
}

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryGiB: number;
  node: string;
  /** `os.type() os.release() os.arch()`; absent in files written before it was recorded. */
  os?: string | null;
}

/** The highest rate of a few short runs, with every run's rate (the spread is the noise). */
export interface BestOf {
  best: number;
  samples: number[];
  unexpected: number;
  errors: number;
}

export interface DatabaseResults {
  startupColdMs: number;
  startupWarmMs: number;
  scenarios: Partial<Record<ScenarioName, Record<number, ScenarioResult>>>;
  /**
   * Answers to the logins and registrations the server was sent before its first scenario, not
   * counted (bench/run.ts, warmUp); absent before 2026-12-07 11:40, when each login scenario had
   * only its own second of warm-up.
   */
  warmup?: { answers: number; seconds: number };
  skipped: string[];
  storm: {
    aloneRps: number;
    duringRps: number;
    loginRps: number;
    /** The three runs in full (answers of other statuses and errors); absent before 2026-12-06. */
    runs?: { alone: LoadResult; during: LoadResult; logins: LoadResult };
  };
  /** meBaseline / loginBaseline: bare Fastify and bare argon2id measured right before each growth run. */
  growth: {
    accounts: number;
    meRps: number;
    loginRps: number;
    /** The same measurements at 1,000 accounts, right before seeding (absent in results before 2026-12-05 02:00). */
    me1kRps?: number;
    login1kRps?: number;
    /** meRps and the others are the best of this many runs. */
    rounds?: number;
    /** Every run behind the four best-of figures (absent before 2026-12-06). */
    runs?: { me1k: BestOf; login1k: BestOf; me: BestOf; login: BestOf };
    seedSeconds: number;
    meBaseline?: number;
    loginBaseline?: number;
  } | null;
  mixedPeakRssMiB: number;
  /** PostgreSQL: bare Fastify with one primary-key SELECT through pg, by connections (absent before 2026-12-06 10:00). */
  pgSelectBaseline?: Record<number, LoadResult>;
  /** The oidc_code_exchange scenario (bench/oidc-code-exchange.ts; absent before 2026-12-06 11:00). */
  oidc?: OidcExchangeResult;
  /** PostgreSQL: cross-node revocation latency on three nodes, one entry per channel (absent before 2026-12-06 evening). */
  revocation?: RevocationResult[];
}

/** Logouts on one node until the two others refuse the token (bench/lib/revocation.ts). */
export interface RevocationResult {
  channel: 'listen-notify' | 'redis';
  rounds: number;
  /** Refusals seen (two per round when every node refused in time). */
  refusals: number;
  /** Nodes that still accepted the token 5 s after the logout's answer. */
  missed: number;
  p50Ms: number;
  p90Ms: number;
  maxMs: number;
  delaysMs: number[];
}

/** Authorization codes redeemed at the token endpoint, beside JWT logins measured the same way. */
export interface OidcExchangeResult {
  concurrency: number;
  /** Codes issued through the interaction (a signed-in session), per second. */
  authorizePerS: number;
  /** Codes redeemed (code + PKCE verifier + client_secret_basic), per second. */
  codeExchangePerS: number;
  /** JWT logins (argon2id) per second, same process, same concurrency. */
  loginPerS: number;
  /** codeExchangePerS / loginPerS. */
  ratioToLogin: number;
  counts: { codes: number; exchanged: number; logins: number };
}

export interface BenchResults {
  /** 2 since answers are counted by status and commit, loader and machine are recorded; absent before. */
  format?: number;
  date: string;
  commit?: CommitInfo;
  loader?: LoaderInfo;
  /** The BENCH_ONLY list of a partial run (absent in a full run). */
  only?: string[];
  seconds: number;
  machine: MachineInfo;
  baselines: { argon2: Record<number, number>; fastify: Record<number, LoadResult> };
  /** Bare Fastify's constant answered to a POST with the JSON body `{}`, by connections (absent before 2026-12-07 forenoon; not divided by). */
  fastifyJsonPost?: Record<number, LoadResult>;
  /** Each loader against a server that answers without parsing (bench/null-server.mjs), by connections (absent before 2026-12-06 evening). */
  loaderCeiling?: { raw: Record<number, LoadResult>; autocannon: Record<number, LoadResult> };
  databases: Record<string, DatabaseResults>;
}
