/**
 * The heartbeats both notification channels (pg-channel.ts, redis-channel.ts) use to know they are
 * current (docs/decisions.md, "Session cache on PostgreSQL nodes"): a node sends itself a
 * heartbeat on its own channel every `pingMs`; the channel delivers in the order the messages were
 * accepted, so when one comes back every invalidation accepted before it was sent has been applied,
 * and the cache may answer until `trustMs` (the cache's setting) after that send time.
 */
import type { SessionCache } from './cache.js';

/** Payloads starting with this are heartbeats, never invalidations. */
export const PING = '~';
/** A heartbeat unanswered this many intervals means the connection is stalled. */
const STALL_PINGS = 20;

/** The heartbeats of one subscription (a new connection starts a new one). */
export interface Heartbeats {
  /** The payload of the next heartbeat to send, or null when earlier ones stopped coming back (stalled). */
  next(): string | null;
  /** A heartbeat payload came back: the cache is trusted from its send time. Others' heartbeats are ignored. */
  received(payload: string): void;
}

/** Heartbeats tagged `tag` (to tell this node's from other nodes' on a shared channel). */
export function createHeartbeats(cache: SessionCache, pingMs: number, tag = ''): Heartbeats {
  const sent = new Map<string, number>();
  let seq = 0;
  return {
    next() {
      const oldest = sent.values().next().value;
      if (oldest !== undefined && performance.now() - oldest > STALL_PINGS * pingMs) return null;
      const payload = `${PING}${tag}${++seq}`;
      sent.set(payload, performance.now());
      return payload;
    },
    received(payload) {
      const at = sent.get(payload);
      if (at === undefined) return;
      for (const [key, time] of sent) if (time <= at) sent.delete(key);
      cache.confirm(at);
    },
  };
}
