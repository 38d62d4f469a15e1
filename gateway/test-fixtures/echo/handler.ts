import type { FunctionRuntime, Handler } from '@typedcluster/core';

/** Fixture: `/info` describes the request and its environment as JSON; any other path echoes the body back. */
export interface EchoDeps {
  readonly env: FunctionRuntime['env'];
  readonly gatewayUrl: string;
}

export async function setup(runtime: FunctionRuntime): Promise<EchoDeps> {
  return { env: runtime.env, gatewayUrl: runtime.gatewayUrl };
}

export function createHandler(deps: EchoDeps): Handler {
  return async (event, context) => {
    context.headers({ 'x-pid': String(process.pid) });
    if (event.path === '/info') {
      return context.succeed({
        method: event.method,
        path: event.path,
        query: event.query,
        callId: event.headers['x-call-id'],
        greeting: deps.env['GREETING'],
        extra: deps.env['EXTRA_FOR_FUNCTIONS'],
        functionName: deps.env['FUNCTION_NAME'],
        gatewayUrl: deps.gatewayUrl,
        leaked: deps.env['GATEWAY_ONLY_SECRET'],
      });
    }
    const type = event.headers['content-type'];
    if (type) context.headers({ 'content-type': type });
    return context.status(200).succeed(event.body);
  };
}
