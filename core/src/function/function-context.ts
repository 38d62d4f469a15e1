import type { Failure } from '../result/result.js';
import { httpStatusOf } from '../errors/catalogue.js';
import { REJECTED_HEADER, type FunctionContext, type FunctionResponse, type ResponseBody } from './function-types.js';

export function createContext(): FunctionContext {
  let status: number | undefined;
  let headers: Record<string, string> = {};
  const ctx: FunctionContext = {
    status(code) {
      status = code;
      return ctx;
    },
    headers(h) {
      headers = { ...headers, ...h };
      return ctx;
    },
    succeed: (body: ResponseBody): FunctionResponse => ({ status: status ?? 200, headers, body }),
    fail: (body: ResponseBody): FunctionResponse => ({ status: status ?? 500, headers, body }),
  };
  return ctx;
}

/** Answers with the catalogue's status and `{code, message}`, and marks the rejection for the gateway's counter. */
export function failWith(ctx: FunctionContext, failure: Failure, countAsRejection = true): FunctionResponse {
  if (countAsRejection) ctx.headers({ [REJECTED_HEADER]: formatRejections({ [failure.code]: 1 }) });
  return ctx.status(httpStatusOf(failure.code)).fail(failure);
}

export function formatRejections(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${code}=${n}`)
    .join(',');
}

export function parseRejections(header: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const m = /^([A-Z_]+)=(\d+)$/.exec(part.trim());
    if (m?.[1] && m[2]) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  }
  return out;
}
