/**
 * batchedStatement (src/store/statement-batch.ts): the calls of one turn share a statement, the
 * same row never twice in one, at most `maxInFlight` statements at once, and a failed statement
 * of several calls is retried call by call.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusedByDatabase } from '../../src/store/rotation-batch.js';
import { batchedStatement } from '../../src/store/statement-batch.js';

type Call = { key: string; value: number };

/** A fake statement: records each batch it is sent and answers when `release` is called. */
function fakeStatement() {
  const sent: Call[][] = [];
  const pending: Array<{ batch: Call[]; answer(fail?: Error): void }> = [];
  const send = (batch: Call[]): Promise<number[]> =>
    new Promise((resolve, reject) => {
      sent.push(batch);
      pending.push({ batch, answer: (fail) => (fail ? reject(fail) : resolve(batch.map((c) => c.value * 10))) });
    });
  return { sent, pending, send };
}

/** Past the end of the current turn and of the one after (an answer's callbacks schedule the next statement). */
const turn = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('batched statements', () => {
  it('the calls of one turn go in one statement, and each gets its own answer', async () => {
    const fake = fakeStatement();
    const call = batchedStatement(fake.send, { keyOf: (c) => c.key, alone: () => Promise.reject(new Error('not expected')) });
    const answers = Promise.all([1, 2, 3].map((value) => call({ key: `k${value}`, value })));
    await turn();
    assert.deepEqual(fake.sent, [[{ key: 'k1', value: 1 }, { key: 'k2', value: 2 }, { key: 'k3', value: 3 }]]);
    fake.pending[0]!.answer();
    assert.deepEqual(await answers, [10, 20, 30]);
  });

  it('two calls for the same row never share a statement', async () => {
    const fake = fakeStatement();
    const call = batchedStatement(fake.send, { keyOf: (c) => c.key, alone: () => Promise.reject(new Error('not expected')), maxInFlight: 1 });
    const answers = Promise.all([call({ key: 'a', value: 1 }), call({ key: 'b', value: 2 }), call({ key: 'a', value: 3 })]);
    await turn();
    assert.deepEqual(fake.sent.map((b) => b.map((c) => c.value)), [[1, 2]]);
    fake.pending[0]!.answer();
    await turn();
    assert.deepEqual(fake.sent.map((b) => b.map((c) => c.value)), [[1, 2], [3]]);
    fake.pending[1]!.answer();
    assert.deepEqual(await answers, [10, 20, 30]);
  });

  it('at most maxInFlight statements run at once; calls made meanwhile go together when one comes back', async () => {
    const fake = fakeStatement();
    const call = batchedStatement(fake.send, { keyOf: (c) => c.key, alone: () => Promise.reject(new Error('not expected')), maxInFlight: 2 });
    const first = call({ key: 'a', value: 1 });
    await turn();
    const second = call({ key: 'b', value: 2 });
    await turn();
    const waiting = [3, 4, 5].map((value) => call({ key: `w${value}`, value }));
    await turn();
    assert.equal(fake.sent.length, 2, 'two statements in flight, the third waits');
    fake.pending[0]!.answer();
    assert.equal(await first, 10);
    await turn();
    assert.deepEqual(fake.sent[2]!.map((c) => c.value), [3, 4, 5]);
    fake.pending[1]!.answer();
    fake.pending[2]!.answer();
    assert.equal(await second, 20);
    assert.deepEqual(await Promise.all(waiting), [30, 40, 50]);
  });

  it('no statement takes more than maxBatch calls', async () => {
    const fake = fakeStatement();
    const call = batchedStatement(fake.send, { keyOf: (c) => c.key, alone: () => Promise.reject(new Error('not expected')), maxBatch: 2, maxInFlight: 5 });
    const answers = Promise.all([1, 2, 3, 4, 5].map((value) => call({ key: `k${value}`, value })));
    await turn();
    assert.deepEqual(fake.sent.map((b) => b.length), [2, 2, 1]);
    for (const p of fake.pending) p.answer();
    assert.deepEqual(await answers, [10, 20, 30, 40, 50]);
  });

  it('a failed statement of several calls sends each alone: only the call that fails alone fails', async () => {
    const fake = fakeStatement();
    const alone: number[] = [];
    const call = batchedStatement(fake.send, {
      keyOf: (c) => c.key,
      alone: async (c) => {
        alone.push(c.value);
        if (c.value === 2) throw new Error('refused alone');
        return c.value * 100;
      },
    });
    const answers = [1, 2, 3].map((value) => call({ key: `k${value}`, value }).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    await turn();
    fake.pending[0]!.answer(new Error('the statement failed'));
    assert.deepEqual(await Promise.all(answers), [{ v: 100 }, { e: 'refused alone' }, { v: 300 }]);
    assert.deepEqual(alone.sort(), [1, 2, 3]);
  });

  it('a failed statement that is not worth retrying (the database unreachable) fails every call at once, without sending any alone', async () => {
    const fake = fakeStatement();
    let alone = 0;
    const call = batchedStatement(fake.send, {
      keyOf: (c) => c.key,
      alone: async () => {
        alone += 1;
        return 0;
      },
      retryAlone: (error) => !/unreachable/.test(String(error)),
    });
    const answers = [1, 2, 3].map((value) => call({ key: `k${value}`, value }));
    await turn();
    fake.pending[0]!.answer(new Error('database unreachable'));
    for (const a of answers) await assert.rejects(a, /database unreachable/);
    assert.equal(alone, 0);
  });

  it('PostgreSQL errors worth a retry alone: a refused value, not a lost connection or a shutdown', () => {
    assert.equal(refusedByDatabase(Object.assign(new Error('invalid byte sequence'), { code: '22021' })), true);
    assert.equal(refusedByDatabase(Object.assign(new Error('connection failure'), { code: '08006' })), false);
    assert.equal(refusedByDatabase(Object.assign(new Error('admin shutdown'), { code: '57P01' })), false);
    assert.equal(refusedByDatabase(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), false);
    assert.equal(refusedByDatabase(new Error('Connection terminated unexpectedly')), false);
  });

  it('a failed statement of one call fails that call with the statement\'s error, without a second try', async () => {
    const fake = fakeStatement();
    let alone = 0;
    const call = batchedStatement(fake.send, { keyOf: (c) => c.key, alone: async () => { alone += 1; return 0; } });
    const answer = call({ key: 'a', value: 1 });
    await turn();
    fake.pending[0]!.answer(new Error('database unreachable'));
    await assert.rejects(answer, /database unreachable/);
    assert.equal(alone, 0);
  });

  it('a statement that throws instead of rejecting fails its calls, and later calls still go out', async () => {
    let throwing = true;
    const sent: number[][] = [];
    const send = (batch: Call[]): Promise<number[]> => {
      sent.push(batch.map((c) => c.value));
      if (throwing) throw new Error('bad statement');
      return Promise.resolve(batch.map((c) => c.value * 10));
    };
    const call = batchedStatement(send, { keyOf: (c) => c.key, alone: () => Promise.reject(new Error('not expected')), retryAlone: () => false });
    const failed = [call({ key: 'a', value: 1 }), call({ key: 'b', value: 2 })];
    for (const f of failed) await assert.rejects(f, /bad statement/);
    throwing = false;
    assert.equal(await call({ key: 'a', value: 3 }), 30);
    assert.deepEqual(sent, [[1, 2], [3]]);
  });
});
