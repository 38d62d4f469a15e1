import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FUNCTION_INFO_PATH, createContext, httpStatusOf, type FunctionInfo, type Handler, type Logger } from '@typedcluster/core';
import { errorAnswer, toFunctionEvent, toHttpAnswer, type HttpAnswer } from './http-mapping.js';

/** of-watchdog's health path: 200 while serving, 503 while draining. */
export const HEALTH_PATH = '/_/health';

export interface FunctionServerOptions {
  readonly handler: Handler;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  /** The module's info() (FUNCTION_INFO_PATH); {} when it declares none. */
  readonly info?: () => FunctionInfo;
}

export interface FunctionServer {
  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, waits up to `timeoutMs` for in-flight requests; true when all finished. */
  drain(timeoutMs: number): Promise<boolean>;
  readonly inFlight: () => number;
}

/** The HTTP side of the bootstrap: every method and path goes to the handler. */
export function createFunctionServer(opts: FunctionServerOptions): FunctionServer {
  let inFlight = 0;
  let draining = false;
  const idleWaiters = new Set<() => void>();

  const finish = (): void => {
    inFlight -= 1;
    if (inFlight === 0) for (const w of idleWaiters) w();
  };

  const server: Server = createServer((req, res) => {
    inFlight += 1;
    res.once('close', finish);
    if (draining) res.setHeader('connection', 'close');
    if (req.url === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      write(res, draining ? errorAnswer(503, 'FUNCTION_UNAVAILABLE', 'draining') : { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('OK') });
      return;
    }
    if (req.url === FUNCTION_INFO_PATH && req.method === 'GET') {
      req.resume();
      write(res, infoAnswer(opts));
      return;
    }
    readBody(req, opts.maxBodyBytes).then(
      async (body) => {
        if (body === undefined) {
          res.setHeader('connection', 'close');
          write(res, errorAnswer(httpStatusOf('TOO_LARGE'), 'TOO_LARGE', `request body exceeds MAX_BODY_BYTES=${opts.maxBodyBytes}`));
          return;
        }
        write(res, await runHandler(opts, req, body));
      },
      () => res.destroy(),
    );
  });
  server.keepAliveTimeout = 65_000;

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    drain: async (timeoutMs) => {
      draining = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight > 0) {
        let waiter: () => void = () => {};
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((r) => {
            waiter = r;
            idleWaiters.add(r);
          }),
          new Promise<void>((r) => {
            timer = setTimeout(r, timeoutMs);
          }),
        ]);
        idleWaiters.delete(waiter);
        clearTimeout(timer);
      }
      const clean = inFlight === 0;
      server.closeAllConnections();
      return clean;
    },
    inFlight: () => inFlight,
  };
}

function infoAnswer(opts: FunctionServerOptions): HttpAnswer {
  try {
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(opts.info?.() ?? {}), 'utf8') };
  } catch (e) {
    return errorAnswer(httpStatusOf('HANDLER_FAILED'), 'HANDLER_FAILED', `info() failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function runHandler(opts: FunctionServerOptions, req: IncomingMessage, body: Buffer): Promise<HttpAnswer> {
  try {
    return toHttpAnswer(await opts.handler(toFunctionEvent(req, body), createContext()));
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    opts.log.error('handler failed', { method: req.method, path: req.url, error: message });
    return errorAnswer(httpStatusOf('HANDLER_FAILED'), 'HANDLER_FAILED', message);
  }
}

/** The whole body, or undefined once it passes `limit` (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

function write(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent || res.destroyed) return;
  try {
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  } catch (e) {
    // Invalid header names or values from the handler.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const fallback = errorAnswer(500, 'HANDLER_FAILED', e instanceof Error ? e.message : String(e));
    res.writeHead(fallback.status, { ...fallback.headers, 'content-length': String(fallback.body.length) });
    res.end(fallback.body);
  }
}
