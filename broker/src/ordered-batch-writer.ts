/**
 * One writer for the broker's on-disk mirror: operations are committed in
 * the order they were handed in, one batch at a time. Everything written
 * while a batch is in flight goes into the next one, so under load the
 * store sees a few large batches instead of a write per message, and a
 * delete can never overtake the put it undoes (it sits in the same batch
 * behind it, or in a later one).
 */
export class OrderedBatchWriter<Op> {
  readonly #commit: (ops: Op[]) => Promise<void>;
  #pending: Op[] = [];
  /** Settles when the batch now collecting `#pending` has been committed (or failed). */
  #next: Deferred | undefined;
  /** The commit loop, while it runs. */
  #running: Promise<void> | undefined;

  /** `commit` writes one batch atomically, in order (LevelDB's `db.batch`). */
  constructor(commit: (ops: Op[]) => Promise<void>) {
    this.#commit = commit;
  }

  /**
   * Queues `ops` behind everything written before; resolves once the batch
   * holding them is committed, rejects with that batch's error.
   */
  write(ops: readonly Op[]): Promise<void> {
    for (const op of ops) this.#pending.push(op);
    const next = (this.#next ??= deferred());
    this.#running ??= this.#loop();
    return next.promise;
  }

  /** Resolves once everything written so far has been committed or has failed. */
  async flushed(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #loop(): Promise<void> {
    // Microtask boundary first: writes issued in the same tick share the first batch.
    await undefined;
    while (this.#next) {
      const ops = this.#pending;
      const done = this.#next;
      this.#pending = [];
      this.#next = undefined;
      try {
        await this.#commit(ops);
        done.resolve();
      } catch (e) {
        done.reject(e);
      }
    }
    this.#running = undefined;
  }
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
