import type { Handler } from '@typedcluster/core';

/** Fixture: `/hog` allocates until V8 hits --max-old-space-size; other paths answer "ok". */
export async function setup(): Promise<null> {
  return null;
}

export function createHandler(): Handler {
  return async (event, context) => {
    if (event.path === '/hog') {
      const hoard: string[][] = [];
      for (;;) hoard.push(Array.from({ length: 100_000 }, (_, i) => `item-${i}-${hoard.length}`));
    }
    return context.headers({ 'x-pid': String(process.pid) }).succeed('ok');
  };
}
