import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HOP_BY_HOP } from '../runtime/forward-request.js';
import type { GatewayDeps } from './gateway-deps.js';
import { deployedFunction, invokeFunction, toUpstreamRequest } from './invoke-function.js';
import { failure, replyFailure, notDeployed } from './reply-failure.js';

type NameParams = { name: string };

/** `ANY /function/:name[/*]`: forwards to the function's process, passing status, headers and body through. */
export function registerFunctionRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  const newCallId = deps.newCallId ?? randomUUID;
  const handler = async (request: FastifyRequest<{ Params: NameParams }>, reply: FastifyReply): Promise<FastifyReply> => {
    const param = request.params.name;
    const name = deployedFunction(deps, param);
    if (name === undefined) return replyFailure(reply, notDeployed(param));
    const callId = headerString(request.headers['x-call-id']) ?? newCallId();
    const outcome = await invokeFunction(deps, name, toUpstreamRequest(request, callId));
    reply.header('x-call-id', callId).header('x-duration-seconds', outcome.seconds.toFixed(6));
    if (!outcome.ok) return replyFailure(reply, outcome.error);
    const { response } = outcome;
    for (const [k, v] of Object.entries(response.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'x-call-id') reply.header(k, v);
    }
    return reply.code(response.status).send(response.body);
  };
  app.all('/function/:name', handler);
  app.all('/function/:name/*', handler);
}

export const headerString = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;
