import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createAsyncQueue, type AsyncQueue } from '../async/async-queue.js';
import type { GatewayDeps } from './gateway-deps.js';
import { headerString } from './function-routes.js';
import { deployedFunction, invokeFunction, toUpstreamRequest, type InvocationOutcome } from './invoke-function.js';
import { failure, replyFailure, notDeployed } from './reply-failure.js';

type NameParams = { name: string };

/**
 * `POST /async-function/:name[/*]`: 202 with X-Call-Id at once; the
 * invocation runs from a bounded queue and its result is POSTed to
 * X-Callback-Url (when given) with X-Call-Id, X-Function-Status and
 * X-Function-Name, like the OpenFaaS queue-worker.
 */
export function registerAsyncRoutes(app: FastifyInstance, deps: GatewayDeps): AsyncQueue {
  const { config, log } = deps;
  const queue = createAsyncQueue({ max: config.asyncQueueMax, concurrency: config.asyncConcurrency, log });
  const newCallId = deps.newCallId ?? randomUUID;

  const handler = async (request: FastifyRequest<{ Params: NameParams }>, reply: FastifyReply): Promise<FastifyReply> => {
    const param = request.params.name;
    const name = deployedFunction(deps, param);
    if (name === undefined) return replyFailure(reply, notDeployed(param));
    const callbackUrl = headerString(request.headers['x-callback-url']);
    if (callbackUrl !== undefined && !isHttpUrl(callbackUrl)) {
      return replyFailure(reply, failure('BAD_REQUEST', `X-Callback-Url "${callbackUrl}" is not an http(s) URL`));
    }
    const callId = headerString(request.headers['x-call-id']) ?? newCallId();
    const upstream = toUpstreamRequest(request, callId);
    const accepted = queue.push(async () => {
      const outcome = await invokeFunction(deps, name, upstream);
      if (callbackUrl !== undefined) await postCallback(deps, callbackUrl, name, callId, outcome);
    });
    if (!accepted) {
      return replyFailure(reply, failure('QUEUE_FULL', `the async queue holds ${config.asyncQueueMax} invocations; retry later or raise ASYNC_QUEUE_MAX`));
    }
    return reply.code(202).header('x-call-id', callId).send();
  };
  app.post('/async-function/:name', handler);
  app.post('/async-function/:name/*', handler);
  return queue;
}

async function postCallback(deps: GatewayDeps, url: string, name: string, callId: string, outcome: InvocationOutcome): Promise<void> {
  const headers: Record<string, string> = {
    'x-call-id': callId,
    'x-function-status': String(outcome.status),
    'x-function-name': name,
    'x-duration-seconds': outcome.seconds.toFixed(6),
  };
  let body: Buffer;
  if (outcome.ok) {
    body = outcome.response.body;
    const type = headerString(outcome.response.headers['content-type']);
    if (type) headers['content-type'] = type;
  } else {
    body = Buffer.from(JSON.stringify({ code: outcome.error.code, message: outcome.error.message }));
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  try {
    const res = await deps.fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(deps.config.execTimeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) deps.log.warn('async callback answered an error', { function: name, callId, url, status: res.status });
  } catch (e) {
    deps.log.warn('async callback failed', { function: name, callId, url, error: e instanceof Error ? e.message : String(e) });
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
