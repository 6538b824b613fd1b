/**
 * The PostgreSQL notification channel of the session cache (cache.ts). The migration
 * 2026-12-06T1000 makes every change to a session that ends or rotates it, and every change to an
 * account, `pg_notify` the account id on a channel named after the schema when its transaction
 * commits, whichever process wrote it (a node, the CLI, a hand-written statement). This module
 * keeps one dedicated connection LISTENing on that channel and drops the account's entries on
 * each notification.
 *
 * Trust: every `pingMs` the connection notifies its own channel; PostgreSQL delivers
 * notifications in commit order, so when a heartbeat comes back, every change committed before it
 * was sent has been applied, and the cache may answer for `trustMs` after that send time. When
 * the connection fails the cache is emptied and bypassed; after reconnecting it stays bypassed
 * until the first heartbeat on the new connection returns (LISTEN is in place, nothing missed is
 * cached). A connection whose heartbeats stop coming back is closed and opened again.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { SessionCache } from './cache.js';
import { createHeartbeats, PING } from './heartbeat.js';

/** The channel a schema's changes are notified on (the migration computes the same name in SQL). */
export function channelFor(schema: string): string {
  return `latchkey_${createHash('md5').update(schema, 'utf8').digest('hex').slice(0, 16)}`;
}

export interface ChannelLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface ChannelOptions {
  /** The PostgreSQL URL (a `schema` parameter names the schema, as for DATABASE_URL). */
  url: string;
  /** How often a heartbeat is sent, ms. */
  pingMs: number;
  log?: ChannelLog;
}

export interface SessionChannel {
  /** True while connected and LISTENing (the cache still waits for a heartbeat to trust it). */
  isListening(): boolean;
  /** Stops listening and closes the connection; the cache is left untrusted. */
  close(): Promise<void>;
}

const MAX_BACKOFF_MS = 5000;

/** Connects the channel; resolves once the first attempt to listen has finished (listening or not). */
export async function startPgSessionChannel(cache: SessionCache, options: ChannelOptions): Promise<SessionChannel> {
  const { default: pgClient } = await import('pg');
  const parsed = new URL(options.url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  let closed = false;
  let client: pg.Client | null = null;
  let listening = false;
  let retry: NodeJS.Timeout | undefined;
  let backoff = 250;
  let stopPings = (): void => {};

  const down = (why: string): void => {
    const was = listening;
    listening = false;
    cache.distrust();
    const dead = client;
    client = null;
    if (dead) void dead.end().catch(() => {});
    if (closed) return;
    if (was) options.log?.warn({ sessionCache: why }, 'session cache bypassed: its notification channel is down');
    clearTimeout(retry);
    retry = setTimeout(() => void connect(), backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pgClient.Client({
      connectionString: parsed.toString(),
      connectionTimeoutMillis: 5000,
      options: schema ? `-c search_path=${schema}` : undefined,
    });
    client = c;
    const heartbeats = createHeartbeats(cache, options.pingMs);
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: unknown): void => {
      clearInterval(timer);
      if (client === c) down(err instanceof Error ? err.message : String(err));
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('connection ended')));
    try {
      await c.connect();
      const current = (await c.query<{ schema: string }>('select current_schema() as schema')).rows[0]?.schema ?? 'public';
      const channel = channelFor(current);
      c.on('notification', (msg) => {
        if (client !== c) return;
        const payload = msg.payload ?? '';
        if (!payload.startsWith(PING)) return cache.invalidateAccount(payload);
        heartbeats.received(payload);
      });
      await c.query(`listen "${channel}"`);
      if (client !== c || closed) return void c.end().catch(() => {});
      // Anything read before LISTEN took effect may be stale: start empty, trusted after a heartbeat.
      cache.distrust();
      listening = true;
      backoff = 250;
      const ping = (): void => {
        const payload = heartbeats.next();
        if (payload === null) return fail(new Error('heartbeats stopped coming back'));
        c.query('select pg_notify($1, $2)', [channel, payload]).catch(fail);
      };
      timer = setInterval(ping, options.pingMs);
      timer.unref();
      stopPings = () => clearInterval(timer);
      ping();
      options.log?.info({ sessionCache: channel }, 'session cache listening');
    } catch (err) {
      fail(err);
    }
  };

  await connect();
  return {
    isListening: () => listening,
    async close() {
      closed = true;
      clearTimeout(retry);
      stopPings();
      listening = false;
      cache.distrust();
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
