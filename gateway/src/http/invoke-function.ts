import type { FastifyRequest } from 'fastify';
import { httpStatusOf, REJECTED_HEADER, type Failure } from '@typedcluster/core';
import type { UpstreamRequest, UpstreamResponse } from '../runtime/forward-request.js';
import type { GatewayDeps } from './gateway-deps.js';

export const NAMESPACE = 'openfaas-fn';

/** `echo` and `echo.openfaas-fn` name the same function; other namespaces do not exist here. */
export function functionNameOf(param: string): string | undefined {
  const dot = param.indexOf('.');
  if (dot < 0) return param;
  return param.slice(dot + 1) === NAMESPACE ? param.slice(0, dot) : undefined;
}

/** The deployed function a route's `:name` names (`echo` or `echo.openfaas-fn`), or undefined. */
export function deployedFunction(deps: Pick<GatewayDeps, 'supervisor'>, param: string): string | undefined {
  const name = functionNameOf(param);
  return name !== undefined && deps.supervisor.get(name) ? name : undefined;
}

/**
 * The path and query after `/function/<name>` (or `/async-function/<name>`),
 * as the function sees them; taken from the raw URL so %-escapes stay as sent.
 */
export function upstreamPathOf(rawUrl: string): string {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q);
  const rest = path.split('/').slice(3).join('/');
  return `/${rest}${query}`;
}

export function toUpstreamRequest(request: FastifyRequest, callId: string): UpstreamRequest {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  return {
    method: request.method,
    path: upstreamPathOf(request.raw.url ?? '/'),
    headers: {
      ...request.headers,
      'x-call-id': callId,
      'x-forwarded-for': request.ip,
      'x-forwarded-host': request.headers.host,
    },
    body,
  };
}

export type InvocationOutcome =
  | { readonly ok: true; readonly response: UpstreamResponse; readonly status: number; readonly seconds: number }
  | { readonly ok: false; readonly error: Failure; readonly status: number; readonly seconds: number };

/** Invokes through the supervisor and records the OpenFaaS metrics and the X-Rejected counter. */
export async function invokeFunction(deps: GatewayDeps, name: string, req: UpstreamRequest): Promise<InvocationOutcome> {
  const { metrics, clock } = deps;
  const t0 = clock.now();
  metrics.invocationStarted(name);
  const r = await deps.supervisor.invoke(name, req);
  const seconds = (clock.now() - t0) / 1000;
  if (r.ok) {
    metrics.countRejections(name, r.value.headers[REJECTED_HEADER]);
    metrics.invocationDone(name, r.value.status, seconds);
    return { ok: true, response: r.value, status: r.value.status, seconds };
  }
  const status = httpStatusOf(r.error.code);
  metrics.invocationDone(name, status, seconds);
  return { ok: false, error: r.error, status, seconds };
}
