import type { Logger } from '@typedcluster/core';

/**
 * A bounded in-memory work queue for async invocations: up to
 * `concurrency` jobs run, up to `max` wait; push() answers false when full.
 * Jobs are lost if the gateway stops (like NATS without persistence).
 */
export interface AsyncQueue {
  push(job: () => Promise<void>): boolean;
  readonly waiting: number;
  readonly running: number;
  /** Resolves true when everything queued has run, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>;
}

export function createAsyncQueue(opts: { max: number; concurrency: number; log: Logger }): AsyncQueue {
  const waiting: Array<() => Promise<void>> = [];
  let running = 0;
  const idle = new Set<() => void>();

  const next = (): void => {
    while (running < opts.concurrency && waiting.length > 0) {
      const job = waiting.shift()!;
      running += 1;
      job()
        .catch((e: unknown) => opts.log.error('async job failed', { error: e instanceof Error ? e.message : String(e) }))
        .finally(() => {
          running -= 1;
          next();
          if (running === 0 && waiting.length === 0) for (const r of idle) r();
        });
    }
  };

  return {
    push(job) {
      if (running >= opts.concurrency && waiting.length >= opts.max) return false;
      waiting.push(job);
      next();
      return true;
    },
    get waiting() {
      return waiting.length;
    },
    get running() {
      return running;
    },
    drain(timeoutMs) {
      if (running === 0 && waiting.length === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (ok: boolean): void => {
          clearTimeout(timer);
          idle.delete(onIdle);
          resolve(ok);
        };
        const onIdle = (): void => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        idle.add(onIdle);
      });
    },
  };
}
