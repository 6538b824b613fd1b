/**
 * Cross-node revocation latency on PostgreSQL, three nodes, through each channel of the session
 * cache: LISTEN/NOTIFY, then Redis pub/sub (REDIS_URL on the three nodes) when Redis answers
 * (bench/lib/revocation.ts says how it is measured; the full run, bench/run.ts, measures it too).
 * `npm run build && node --import tsx bench/revocation-latency.ts [rounds]` (20 by default;
 * BENCH_DATABASE_URL, or the local test database; BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379, "off" skips Redis). Bounded: 5 s per wait. Writes
 * bench/results/partial-<UTC time>-revocation.json (ignored by git) and prints the figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describeRevocation, measureRevocation, redisReachable } from './lib/revocation.js';
import type { RevocationResult } from './types.js';

const rounds = Number(process.argv[2] ?? 20);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const results: RevocationResult[] = [await measureRevocation(base, rounds)];
if (redisUrl !== 'off' && (await redisReachable(redisUrl))) results.push(await measureRevocation(base, rounds, redisUrl));
else console.log(`Redis pub/sub: not measured (${redisUrl === 'off' ? 'BENCH_REDIS_URL=off' : `no answer at ${redisUrl}`})`);

const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 13);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/partial-${stamp}Z-revocation.json`;
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
for (const r of results) console.log(`cross-node revocation, 3 nodes, ${describeRevocation(r)}`);
console.log(file);
