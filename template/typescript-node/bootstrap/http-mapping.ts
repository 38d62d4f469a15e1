import type { IncomingMessage } from 'node:http';
import type { FunctionEvent, FunctionResponse } from '@typedcluster/core';

/** The bytes and headers that go on the wire for one handler answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export function toFunctionEvent(req: IncomingMessage, body: Buffer): FunctionEvent {
  const url = new URL(req.url ?? '/', 'http://function.local');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { body, headers, method: req.method ?? 'GET', path: url.pathname, query };
}

/**
 * Buffer → application/octet-stream, string → text/plain, anything else →
 * JSON; a Content-Type the handler set wins. Throws on a value that is not
 * a FunctionResponse or a body JSON cannot encode; the caller answers
 * HANDLER_FAILED.
 */
export function toHttpAnswer(res: FunctionResponse): HttpAnswer {
  if (typeof res !== 'object' || res === null || !Number.isInteger(res.status) || res.status < 100 || res.status > 999) {
    throw new Error('the handler did not return a FunctionResponse (use context.succeed(...) or context.fail(...))');
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const { body, type } = encodeBody(res.body);
  if (type !== undefined && headers['content-type'] === undefined) headers['content-type'] = type;
  return { status: res.status, headers, body };
}

function encodeBody(body: FunctionResponse['body']): { body: Buffer; type?: string } {
  if (body === null || body === undefined) return { body: Buffer.alloc(0) };
  if (Buffer.isBuffer(body)) return { body, type: 'application/octet-stream' };
  if (body instanceof Uint8Array) return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), type: 'application/octet-stream' };
  if (typeof body === 'string') return { body: Buffer.from(body, 'utf8'), type: 'text/plain; charset=utf-8' };
  const json = JSON.stringify(body);
  if (json === undefined) throw new Error('the response body cannot be encoded as JSON');
  return { body: Buffer.from(json, 'utf8'), type: 'application/json; charset=utf-8' };
}

export function errorAnswer(status: number, code: string, message: string, extra: Record<string, string> = {}): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...extra },
    body: Buffer.from(JSON.stringify({ code, message }), 'utf8'),
  };
}
