import type { FunctionRuntime, Handler } from '@typedcluster/core';

/**
 * Fixture for the bootstrap tests. setup() fails when FAIL_SETUP=1;
 * teardown() prints "teardown called" so the test can see it ran.
 */
export interface Deps {
  readonly greeting: string;
  readonly name: string;
  readonly gatewayUrl: string;
}

export async function setup(runtime: FunctionRuntime): Promise<Deps> {
  if (runtime.env['FAIL_SETUP'] === '1') throw new Error('database unreachable at setup');
  return { greeting: runtime.env['GREETING'] ?? 'hello', name: runtime.name, gatewayUrl: runtime.gatewayUrl };
}

export function createHandler(deps: Deps): Handler {
  return async (event, context) => {
    switch (event.path) {
      case '/throw':
        throw new Error('boom');
      case '/slow':
        await new Promise((r) => setTimeout(r, 400));
        return context.succeed('slow done');
      default:
        return context.headers({ 'x-pid': String(process.pid) }).succeed({
          greeting: deps.greeting,
          name: deps.name,
          gatewayUrl: deps.gatewayUrl,
          method: event.method,
          path: event.path,
          query: event.query,
          bodyLength: event.body.length,
          contentType: event.headers['content-type'],
        });
    }
  };
}

export async function teardown(): Promise<void> {
  console.log('teardown called');
}
