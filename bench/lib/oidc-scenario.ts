/**
 * Runs the `oidc_code_exchange` scenario (bench/oidc-code-exchange.ts, see OIDC_SCENARIO in
 * bench/scenarios.ts) in a child process for one database and reads its one JSON line. Bounded:
 * the child stops each phase at BENCH_SECONDS_MAX and is killed after `timeoutMs`.
 */
import { execFile } from 'node:child_process';
import type { OidcExchangeResult } from '../types.js';

interface ChildLine {
  concurrency: number;
  authorize_per_s: number;
  oidc_code_exchange_per_s: number;
  login_jwt_per_s: number;
  ratio_to_login: number;
  counts: { codes: number; exchanged: number; logins: number };
}

/** The scenario on SQLite (`postgresUrl` null) or on a fresh schema of the PostgreSQL at `postgresUrl`. */
export function measureOidcCodeExchange(postgresUrl: string | null, options: { codes: number; maxSeconds: number; timeoutMs: number }): Promise<OidcExchangeResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_CODES: String(options.codes), BENCH_SECONDS_MAX: String(options.maxSeconds) };
  if (postgresUrl === null) delete env.TEST_DATABASE_URL;
  else env.TEST_DATABASE_URL = postgresUrl;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/oidc-code-exchange.ts'], { env, timeout: options.timeoutMs, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(err);
      const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (!line) return reject(new Error('bench/oidc-code-exchange.ts printed no result'));
      const r = JSON.parse(line) as ChildLine;
      resolve({
        concurrency: r.concurrency,
        authorizePerS: r.authorize_per_s,
        codeExchangePerS: r.oidc_code_exchange_per_s,
        loginPerS: r.login_jwt_per_s,
        ratioToLogin: r.ratio_to_login,
        counts: r.counts,
      });
    });
  });
}
