/**
 * The server's argon2id (src/crypto/argon2-pool.ts): hashes run on libuv's thread pool, whose
 * threads it gives nice 10, so that hashing takes only CPU the event loop leaves (docs/decisions.md,
 * "argon2id runs on libuv's thread pool at a lower OS priority"). Linux only: thread ids and nice
 * values are read from /proc.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createArgon2Pool } from '../../src/crypto/argon2-pool.js';
import { threadPoolSize } from '../../src/crypto/thread-pool-priority.js';

const PARAMS = { memoryKib: 19456, timeCost: 2, parallelism: 1 };
const onLinux = existsSync('/proc/thread-self');
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** A thread's nice value and CPU time (ms), from /proc/self/task/<tid>/stat. */
function threadStat(tid: number): { nice: number; cpuMs: number } {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // After the command in parentheses: state is field 3, utime 14, stime 15, nice 19.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { nice: Number(fields[16]), cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS };
}

const cpuOf = (tids: number[]): number => tids.reduce((sum, tid) => sum + threadStat(tid).cpuMs, 0);

describe('argon2id on libuv’s thread pool', () => {
  it('reads UV_THREADPOOL_SIZE as libuv does', () => {
    assert.equal(threadPoolSize({}), 4);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '8' }), 8);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '0' }), 1);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: 'many' }), 1);
    assert.equal(threadPoolSize({ UV_THREADPOOL_SIZE: '5000' }), 1024);
  });

  it('leaves one pool thread for files and lookups: at most poolSize - 1 hashes at once', () => {
    assert.equal(createArgon2Pool(PARAMS, 2, 10, 4).concurrency, 2);
    assert.equal(createArgon2Pool(PARAMS, 8, 10, 4).concurrency, 3);
    assert.equal(createArgon2Pool(PARAMS, 8, 10, 1).concurrency, 1);
  });

  it('gives every pool thread nice 10 and spends the hashes’ CPU time there, not on the event loop', { skip: !onLinux && 'needs /proc/thread-self (Linux)' }, async () => {
    const pool = createArgon2Pool(PARAMS, 2);
    const { lowered, expected } = await pool.prioritised;
    assert.equal(expected, threadPoolSize());
    assert.equal(lowered.length, expected, 'every thread of the pool was found');
    const tasks = readdirSync('/proc/self/task').map(Number);
    for (const tid of lowered) {
      assert.ok(tasks.includes(tid), `${tid} is a thread of this process`);
      assert.equal(threadStat(tid).nice, 10, `thread ${tid}`);
    }
    assert.ok(!lowered.includes(process.pid));
    assert.equal(threadStat(process.pid).nice, 0, 'the event loop keeps its priority');

    const mainBefore = threadStat(process.pid).cpuMs;
    const poolBefore = cpuOf(lowered);
    const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.hash(`correct horse ${i}`)));
    const poolSpent = cpuOf(lowered) - poolBefore;
    const mainSpent = threadStat(process.pid).cpuMs - mainBefore;
    // Each argon2id hash at 19 MiB and two passes is several milliseconds of CPU.
    assert.ok(poolSpent >= 30, `the pool threads spent ${poolSpent} ms on eight hashes`);
    assert.ok(mainSpent < poolSpent / 2, `the event loop spent ${mainSpent} ms, the pool ${poolSpent} ms`);
    assert.equal(await pool.verify(hashes[3]!, 'correct horse 3'), true);
    assert.equal(await pool.verify(hashes[3]!, 'correct horse 4'), false);
    assert.equal(await pool.verify('$2b$10$notargon', 'correct horse 3'), false);
    await pool.close();
    await assert.rejects(pool.hash('after close'), /closed/);
  });

  it('runs at most `concurrency` hashes at once; the rest wait their turn', { skip: !onLinux && 'needs /proc (Linux)' }, async () => {
    /**
     * How many pool threads run or wait for a CPU (state R) on average while `work` runs, over the
     * samples where any does (a busy machine may leave gaps between one hash and the next). A
     * thread that has answered stays R for a few milliseconds more, so it is an average, not a maximum.
     */
    async function meanRunning(tids: number[], work: Promise<unknown>): Promise<number> {
      let samples = 0;
      let running = 0;
      let done = false;
      void work.finally(() => (done = true));
      while (!done) {
        const now = tids.filter((tid) => readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.startsWith('R')).length;
        if (now > 0) {
          running += now;
          samples++;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      await work;
      return running / samples;
    }
    for (const size of [1, 2]) {
      const pool = createArgon2Pool(PARAMS, size);
      const { lowered } = await pool.prioritised;
      const hashes = Promise.all(Array.from({ length: 6 }, (_, i) => pool.hash(`p${i}-long-enough`)));
      const mean = await meanRunning(lowered, hashes);
      assert.ok(mean > size - 0.5 && mean < size + 0.5, `${size} at a time: ${mean.toFixed(2)} threads on average`);
      const results = await hashes;
      assert.equal(new Set(results).size, 6);
      for (const [i, stored] of results.entries()) assert.equal(await pool.verify(stored, `p${i}-long-enough`), true);
    }
  });
});
