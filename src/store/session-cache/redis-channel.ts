/**
 * Redis pub/sub as the notification channel of the session cache (cache.ts), used instead of
 * PostgreSQL's LISTEN/NOTIFY when REDIS_URL is set (docs/decisions.md, "Session cache on
 * PostgreSQL nodes"). PostgreSQL's triggers notify whatever process wrote; on Redis the writers
 * announce their own changes: the guard (guard.ts) publishes what each committed write of the
 * session and account stores touched, from every node and from the `latchkey user` commands.
 * A change written by hand in SQL is not announced: copies of it are served at most
 * SESSION_CACHE_MAX_AGE.
 *
 * One connection per node subscribes to a channel named after the database (its host, port, name
 * and schema) under REDIS_PREFIX; another publishes. Trust follows the heartbeats (heartbeat.ts):
 * Redis delivers to a subscriber in the order it accepted the PUBLISH commands, and a write's
 * announcement is accepted before its answer leaves the node. The subscription is made by hand on
 * every (re)connection and the cache emptied and distrusted when it is in place, so nothing read
 * while the channel was deaf is kept; a subscription whose heartbeats stop coming back is dropped
 * and made again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Invalidation, SessionCache } from './cache.js';
import { createHeartbeats, PING, type Heartbeats } from './heartbeat.js';
import type { ChannelLog, SessionChannel } from './pg-channel.js';

/** The channel of one database's session changes under `prefix` (REDIS_PREFIX). */
export function redisChannelFor(databaseUrl: string, prefix: string): string {
  const url = new URL(databaseUrl);
  const where = `${url.hostname}:${url.port || '5432'}${url.pathname}?${url.searchParams.get('schema') ?? 'public'}`;
  return `${prefix}session-cache:${createHash('sha256').update(where, 'utf8').digest('hex').slice(0, 16)}`;
}

/** The wire form of an invalidation (`a:`, `f:` or `s:` and an id; `*` for everything). */
export function encodeInvalidation(what: Invalidation): string {
  if (what === 'all') return '*';
  return 'account' in what ? `a:${what.account}` : 'family' in what ? `f:${what.family}` : `s:${what.session}`;
}

/** The invalidation a message names; anything unreadable empties the cache. */
export function decodeInvalidation(payload: string): Invalidation {
  const id = payload.slice(2);
  if (id === '') return 'all';
  if (payload.startsWith('a:')) return { account: id };
  if (payload.startsWith('f:')) return { family: id };
  if (payload.startsWith('s:')) return { session: id };
  return 'all';
}

export interface RedisChannelOptions {
  /** REDIS_URL. */
  url: string;
  /** The channel (redisChannelFor). */
  channel: string;
  /** How often a heartbeat is sent, ms. */
  pingMs: number;
  log?: ChannelLog;
}

/** A publisher of this process's changes (the nodes' channel and the CLI's announcer). */
export interface SessionAnnouncer {
  /** Publishes an invalidation; rejects after the command timeout when Redis does not take it. */
  publish(what: Invalidation): Promise<void>;
  close(): Promise<void>;
}

const TIMEOUT_MS = 1500;
const MAX_BACKOFF_MS = 5000;

async function connectRedis(url: string): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const client = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    retryStrategy: (times) => Math.min(250 * 2 ** times, MAX_BACKOFF_MS),
  });
  client.on('error', () => {}); // each failure also closes the connection: handled on 'close'
  client.connect().catch(() => {});
  return client;
}

interface Publisher extends SessionAnnouncer {
  /** Publishes a message as it is (a heartbeat). */
  send(payload: string): Promise<void>;
  /** Drops the connection and opens a new one (a stalled channel). */
  reconnect(): void;
}

async function startPublisher(url: string, channel: string): Promise<Publisher> {
  const pub = await connectRedis(url);
  const send = async (payload: string): Promise<void> => {
    if (pub.status !== 'ready') await waitReady(pub);
    await pub.publish(channel, payload);
  };
  return {
    send,
    publish: (what) => send(encodeInvalidation(what)),
    reconnect: () => pub.disconnect(true),
    async close() {
      pub.disconnect();
    },
  };
}

/** Publishes this process's changes on `channel` without listening (the `latchkey user` commands). */
export function startRedisAnnouncer(url: string, channel: string): Promise<SessionAnnouncer> {
  return startPublisher(url, channel);
}

function waitReady(client: Redis): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', ready);
      reject(new Error('Redis is not reachable'));
    }, TIMEOUT_MS);
    const ready = (): void => {
      clearTimeout(timer);
      resolve();
    };
    client.once('ready', ready);
  });
}

/** Subscribes the cache to `channel` and starts its heartbeats; resolves once the first attempt has finished. */
export async function startRedisSessionChannel(cache: SessionCache, options: RedisChannelOptions): Promise<SessionChannel & SessionAnnouncer> {
  const [sub, publisher] = await Promise.all([connectRedis(options.url), startPublisher(options.url, options.channel)]);
  const node = `${randomUUID()}:`;
  let closed = false;
  let listening = false;
  let heartbeats: Heartbeats | null = null;
  let timer: NodeJS.Timeout | undefined;

  const down = (why: string): void => {
    clearInterval(timer);
    heartbeats = null;
    const was = listening;
    listening = false;
    cache.distrust();
    if (was && !closed) options.log?.warn({ sessionCache: why }, 'session cache bypassed: its notification channel is down');
  };
  sub.on('close', () => down('connection closed'));
  sub.on('message', (_channel: string, payload: string) => {
    if (!listening) return;
    if (payload.startsWith(PING)) heartbeats?.received(payload);
    else cache.invalidate(decodeInvalidation(payload));
  });

  const subscribe = async (): Promise<void> => {
    try {
      await sub.subscribe(options.channel);
    } catch {
      if (!closed) sub.disconnect(true);
      return;
    }
    if (closed) return;
    // Anything read before the subscription took effect may be stale: start empty, trusted after a heartbeat.
    cache.distrust();
    const beats = createHeartbeats(cache, options.pingMs, node);
    heartbeats = beats;
    listening = true;
    const ping = (): void => {
      const payload = beats.next();
      if (payload === null) {
        // Stalled: drop both connections (a silent fault can hold either) and connect again.
        down('heartbeats stopped coming back');
        sub.disconnect(true);
        publisher.reconnect();
        return;
      }
      publisher.send(payload).catch(() => {});
    };
    clearInterval(timer);
    timer = setInterval(ping, options.pingMs);
    timer.unref();
    ping();
    options.log?.info({ sessionCache: options.channel }, 'session cache listening on Redis');
  };
  sub.on('ready', () => void subscribe());
  if (sub.status === 'ready') void subscribe();
  else await waitReady(sub).catch(() => {});

  return {
    isListening: () => listening,
    publish: (what) => publisher.publish(what),
    async close() {
      closed = true;
      clearInterval(timer);
      listening = false;
      cache.distrust();
      sub.disconnect();
      await publisher.close();
    },
  };
}
