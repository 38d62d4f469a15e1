import type { Handler } from '@typedcluster/core';

/** Fixture: `/hang` never answers (a busy loop, so only SIGKILL stops it); other paths answer "ok". */
export async function setup(): Promise<null> {
  return null;
}

export function createHandler(): Handler {
  return async (event, context) => {
    if (event.path === '/hang') {
      for (;;) {
        // Spin: the event loop is blocked, as with a runaway computation.
      }
    }
    return context.headers({ 'x-pid': String(process.pid) }).succeed('ok');
  };
}
