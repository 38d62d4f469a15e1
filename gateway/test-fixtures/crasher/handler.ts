import type { Handler } from '@typedcluster/core';

/** Fixture: `/crash` kills the process mid-request; other paths answer "alive". */
export async function setup(): Promise<null> {
  return null;
}

export function createHandler(): Handler {
  return async (event, context) => {
    if (event.path === '/crash') process.exit(3);
    return context.headers({ 'x-pid': String(process.pid) }).succeed('alive');
  };
}
