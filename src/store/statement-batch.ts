/**
 * Batching of one hot statement on PostgreSQL (docs/decisions.md, "Refresh rotations on
 * PostgreSQL share a statement"). Calls made while the connection is busy are not sent one by
 * one: the calls of one event-loop turn, and those made while `maxInFlight` batches are
 * already running, go to the database together as one statement (one round trip, one commit,
 * one WAL flush) when the turn ends or a batch comes back.
 * - Each call gets its own answer: `send` returns one result per input, in order.
 * - Two calls with the same key never share a batch: the later one waits for the next, so a
 *   statement never meets the same row twice (a row an UPDATE ... FROM joins twice is changed
 *   once, by one of the two, and which one is not defined).
 * - If the statement fails, nothing of the batch is stored (one statement, one transaction).
 *   When the database refused the statement itself (`retryAlone` says so), the calls of a
 *   larger batch are each sent again alone (`alone`), so one call the database refuses does not
 *   fail the others with it; otherwise (the database unreachable, a batch of one) every call
 *   fails with the statement's error, without a second wait.
 * - A `send` that throws instead of returning a rejected promise counts as a failed statement.
 * SQLite has its own group commit (group-commit.ts); this is for PostgreSQL's pool.
 */

/** At most this many calls share one statement (bounds the arrays sent and the last call's wait). */
export const MAX_STATEMENT_BATCH = 64;

interface Call<In, Out> {
  input: In;
  resolve(value: Out): void;
  reject(error: unknown): void;
}

export interface BatchOptions<In, Out> {
  /** Calls with the same key (the same row) go to different statements. */
  keyOf(input: In): string;
  /** Batches sent and not yet answered at once (default 2). */
  maxInFlight?: number;
  /** Calls per statement (default MAX_STATEMENT_BATCH). */
  maxBatch?: number;
  /** One call sent on its own: each call of a batch whose statement failed with an error `retryAlone` accepts. */
  alone(input: In): Promise<Out>;
  /** Whether a failed statement's calls are worth sending again one by one (default: always). */
  retryAlone?(error: unknown): boolean;
}

/** A function that sends its calls to `send` in batches, one result per call. */
export function batchedStatement<In, Out>(send: (inputs: In[]) => Promise<Out[]>, options: BatchOptions<In, Out>): (input: In) => Promise<Out> {
  const maxInFlight = options.maxInFlight ?? 2;
  const maxBatch = options.maxBatch ?? MAX_STATEMENT_BATCH;
  let queue: Array<Call<In, Out>> = [];
  let inFlight = 0;
  let scheduled = false;

  const take = (): Array<Call<In, Out>> => {
    const batch: Array<Call<In, Out>> = [];
    const keys = new Set<string>();
    const left: Array<Call<In, Out>> = [];
    for (const call of queue) {
      const key = options.keyOf(call.input);
      if (batch.length < maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(call);
      } else left.push(call);
    }
    queue = left;
    return batch;
  };

  const flush = (): void => {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = take();
      inFlight += 1;
      // A `send` that throws instead of rejecting fails its batch the same way, not the turn.
      new Promise<Out[]>((resolve) => resolve(send(batch.map((c) => c.input)))).then(
        (results) => batch.forEach((c, i) => c.resolve(results[i] as Out)),
        (error: unknown) => {
          if (batch.length === 1 || options.retryAlone?.(error) === false) for (const c of batch) c.reject(error);
          else for (const c of batch) options.alone(c.input).then(c.resolve, c.reject);
        },
      ).finally(() => {
        inFlight -= 1;
        schedule();
      });
    }
  };

  // At the end of the turn, so that the calls of the requests that arrived together share it.
  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };

  return (input) =>
    new Promise<Out>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}
