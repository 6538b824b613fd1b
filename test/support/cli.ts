/** Runs the `latchkey` command as a child process, against a test instance's database. */
import { spawn } from 'node:child_process';
import type { TestInstance } from './instance.js';

/** Runs `latchkey ARGS` against `t`'s database (with `extraEnv` settings); its exit status and what it printed. */
export function runCli(t: TestInstance, args: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: t.latchkey.config.databaseUrl, LOG_LEVEL: 'warn', ...extraEnv };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.stderr.on('data', (c) => (err += String(c)));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, out, err }));
  });
}
