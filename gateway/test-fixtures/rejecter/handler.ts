import { failWith, formatRejections, REJECTED_HEADER, type Handler } from '@typedcluster/core';

/**
 * Fixture: `/batch` answers 200 with `X-Rejected: BAD_MAGIC=2,REPLAY=1`
 * (a batch with some bad frames); any other path rejects the whole input
 * with BAD_MAGIC through failWith.
 */
export async function setup(): Promise<null> {
  return null;
}

export function createHandler(): Handler {
  return async (event, context) => {
    if (event.path === '/batch') {
      return context.headers({ [REJECTED_HEADER]: formatRejections({ BAD_MAGIC: 2, REPLAY: 1 }) }).succeed({ accepted: 5, rejected: 3 });
    }
    return failWith(context, { code: 'BAD_MAGIC', message: 'the frame does not start with "TC"', at: 0 });
  };
}
