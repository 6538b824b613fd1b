/**
 * A throwaway PostgreSQL server for fault tests that must stop and start a real database: its
 * own data directory (initdb, trust auth, loopback only, a free port, the socket in the same
 * temporary directory), so restarting it never touches the shared server other tests use.
 * When the tests run as root, every PostgreSQL command runs as the `postgres` user via runuser
 * and the directory is handed to that user. `remove()` stops the server and deletes the directory.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface PgServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** Starts the server; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stops the server with `-m fast` (open sessions are terminated); resolves when it is down. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its directory; safe to call twice. */
  remove(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed under /usr/lib/postgresql, or null. */
export function findPgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/** Creates and starts a private PostgreSQL server in a new temporary directory. */
export async function startPgServer(bin: string): Promise<PgServer> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  let removed = false;
  let running = false;

  const pg = async (tool: string, args: string[]): Promise<void> => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    await run(file, argv, { timeout: 30_000 });
  };
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;

  const server: PgServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', '-o', options, 'start']);
      running = true;
    },
    async stop() {
      await pg('pg_ctl', ['-D', data, '-w', '-t', '30', '-m', 'fast', 'stop']);
      running = false;
    },
    async remove() {
      if (removed) return;
      removed = true;
      // A server that will not stop is an error of the test run, reported after a last try.
      let failure: unknown;
      if (running) {
        try {
          await server.stop();
        } catch (err) {
          failure = err;
          try {
            await pg('pg_ctl', ['-D', data, '-w', '-t', '30', '-m', 'immediate', 'stop']);
          } catch (second) {
            failure = new AggregateError([err, second], `could not stop the throwaway PostgreSQL server in ${dir}`);
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
      if (failure !== undefined) throw failure;
    },
  };

  try {
    if (asRoot) {
      const { uid, gid } = await postgresIds();
      chownSync(dir, uid, gid);
    }
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions', '-E', 'UTF8']);
    await server.start();
  } catch (err) {
    await server.remove();
    throw err;
  }
  return server;
}
