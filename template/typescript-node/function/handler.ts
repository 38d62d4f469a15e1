import { envInt, failWith, type FunctionRuntime, type Handler, type Logger } from '@typedcluster/core';

/**
 * A new TypedCluster function. The bootstrap owns HTTP and calls
 * `setup(runtime)` once, then serves `createHandler(deps)`; tests call
 * `createHandler` with their own deps. Keep I/O in setup, logic in the handler.
 */
export interface Deps {
  readonly log: Logger;
  /** Larger bodies are rejected with TOO_LARGE. */
  readonly maxBytes: number;
}

export function createHandler(deps: Deps): Handler {
  return async (event, ctx) => {
    if (event.method !== 'POST') return failWith(ctx, { code: 'BAD_REQUEST', message: `use POST, not ${event.method}` });
    if (event.body.length > deps.maxBytes) {
      return failWith(ctx, { code: 'TOO_LARGE', message: `body is ${event.body.length} bytes, limit ${deps.maxBytes}` });
    }
    deps.log.debug('request', { bytes: event.body.length });
    // Replace with the function's logic; the body is always raw bytes.
    return ctx.status(200).succeed({ bytes: event.body.length });
  };
}

/** Real I/O: env (stack.yml `environment`) and secrets (`runtime.readSecret(name)`). */
export async function setup(runtime: FunctionRuntime): Promise<Deps> {
  return { log: runtime.log, maxBytes: envInt(runtime.env, 'MAX_BYTES', 64 * 1024, 1) };
}

/** Optional: close pools and timers when the container stops. */
export async function teardown(_deps: Deps): Promise<void> {}
