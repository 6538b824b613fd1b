/**
 * The shipped deploy/nginx.conf, run by a real nginx for the deployment test. The file is used as
 * shipped except for a fixed list of substitutions (SUBSTITUTIONS below): the two `listen` ports,
 * the three upstream node addresses, the two `server_name`s and the two certificate paths. Each
 * substitution states how many lines it must change; if the shipped file no longer has exactly
 * those lines, the test fails instead of silently testing something else. The file is included
 * in a minimal main configuration of our own (events, http, temp paths under a temporary prefix),
 * as an operator includes it from /etc/nginx/nginx.conf.
 *
 * With REQUIRE_NGINX=1 (set by .ci/run) a missing nginx or openssl is an error, not a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { requireOrSkip } from '../support/redis.js';
import { sleep } from '../support/wait.js';

export const SHIPPED_CONF = 'deploy/nginx.conf';
/** How long nginx may take to listen on a loaded machine. */
const START_MS = 60_000;

function findBinary(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

export const NGINX = findBinary('nginx');
export const OPENSSL = findBinary('openssl');

/** Null when nginx and openssl are installed, else the reason to skip (throws with REQUIRE_NGINX=1). */
export function nginxSkipReason(): string | null {
  const missing = [NGINX ? null : 'nginx', OPENSSL ? null : 'openssl'].filter(Boolean);
  const reason = missing.length ? `${missing.join(' and ')} not installed (the shipped-deployment test needs them)` : null;
  return requireOrSkip('REQUIRE_NGINX', reason);
}

export interface Targets {
  httpsPort: number;
  httpPort: number;
  /** The three nodes' ports, in the order of the upstream block. */
  nodePorts: [number, number, number];
  serverName: string;
  certificate: string;
  key: string;
}

interface Substitution {
  what: string;
  pattern: RegExp;
  lines: number;
  replace: (t: Targets) => (match: string, ...groups: string[]) => string;
}

/** Everything the test changes in the shipped file; nothing else is touched. */
const SUBSTITUTIONS: Substitution[] = [
  { what: 'the https listen port', pattern: /^(\s*listen\s+)443(\s+ssl\b)/gm, lines: 1, replace: (t) => (_m, a, b) => `${a}127.0.0.1:${t.httpsPort}${b}` },
  { what: 'the plain-HTTP listen port', pattern: /^(\s*listen\s+)80;/gm, lines: 1, replace: (t) => (_m, a) => `${a}127.0.0.1:${t.httpPort};` },
  {
    what: 'the upstream node addresses',
    pattern: /^(\s*server\s+127\.0\.0\.1:)300([123])\b/gm,
    lines: 3,
    replace: (t) => (_m, a, n) => `${a}${t.nodePorts[Number(n) - 1]}`,
  },
  { what: 'the server names', pattern: /^(\s*server_name\s+)accounts\.example\.com;/gm, lines: 2, replace: (t) => (_m, a) => `${a}${t.serverName};` },
  { what: 'the certificate path', pattern: /^(\s*ssl_certificate\s+)\S+;/gm, lines: 1, replace: (t) => (_m, a) => `${a}${t.certificate};` },
  { what: 'the key path', pattern: /^(\s*ssl_certificate_key\s+)\S+;/gm, lines: 1, replace: (t) => (_m, a) => `${a}${t.key};` },
];

/** The shipped file with SUBSTITUTIONS applied; throws when one does not find exactly its lines. */
export function substitute(shipped: string, targets: Targets): string {
  let text = shipped;
  for (const s of SUBSTITUTIONS) {
    const found = text.match(s.pattern)?.length ?? 0;
    if (found !== s.lines) {
      throw new Error(`${SHIPPED_CONF} changed: expected ${s.lines} line(s) for ${s.what} (${s.pattern}), found ${found}; update test/deploy/nginx.ts`);
    }
    text = text.replace(s.pattern, s.replace(targets));
  }
  return text;
}

export interface Nginx {
  dir: string;
  /** The self-signed certificate (PEM), to trust in the client. */
  ca: Buffer;
  process: ChildProcess;
  /** nginx's error log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** A self-signed certificate for `name` and 127.0.0.1, made with the openssl command. */
function makeCertificate(dir: string, name: string): { certificate: string; key: string } {
  const certificate = join(dir, 'server.crt');
  const key = join(dir, 'server.key');
  const res = spawnSync(
    OPENSSL!,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', `subjectAltName=DNS:${name},IP:127.0.0.1`, '-keyout', key, '-out', certificate],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (res.status !== 0) throw new Error(`openssl failed (${res.status}): ${res.stderr}`);
  return { certificate, key };
}

/** Writes the main configuration around the substituted file; returns its path. */
export function prepare(targets: Omit<Targets, 'certificate' | 'key'>): { dir: string; conf: string; ca: Buffer; site: string } {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-nginx-'));
  // Worker processes run as an unprivileged user when the test runs as root: let them in.
  chmodSync(dir, 0o755);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, 'tmp', sub), { recursive: true, mode: 0o777 });
  const { certificate, key } = makeCertificate(dir, targets.serverName);
  const site = substitute(readFileSync(SHIPPED_CONF, 'utf8'), { ...targets, certificate, key });
  writeFileSync(join(dir, 'latchkey.conf'), site);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} info;`,
      'events { worker_connections 256; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((s) => `  ${s === 'body' ? 'client_body' : s}_temp_path ${join(dir, 'tmp', s)};`),
      `  include ${join(dir, 'latchkey.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  return { dir, conf, ca: readFileSync(certificate), site };
}

/** `nginx -t` on a prepared configuration: its exit status and what it printed. */
export function checkConfig(dir: string, conf: string): { status: number | null; output: string } {
  const res = spawnSync(NGINX!, ['-t', '-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { encoding: 'utf8', timeout: 60_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Starts nginx in the foreground on a prepared configuration; resolves once both ports accept. */
export async function startNginx(prepared: { dir: string; conf: string; ca: Buffer }, ports: number[]): Promise<Nginx> {
  const { dir, conf, ca } = prepared;
  const child = spawn(NGINX!, ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const log = () => {
    const path = join(dir, 'error.log');
    return `${stderr}${existsSync(path) ? readFileSync(path, 'utf8') : ''}`;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        done();
      });
      // SIGTERM: nginx's fast shutdown; the master stops its worker and exits.
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + START_MS;
  for (;;) {
    if (child.exitCode !== null) {
      const text = log();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx exited with ${child.exitCode}:\n${text}`);
    }
    if ((await Promise.all(ports.map(listening))).every(Boolean)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not listen within ${START_MS / 1000} s`);
    }
    await sleep(50);
  }
  return { dir, ca, process: child, log, stop };
}
