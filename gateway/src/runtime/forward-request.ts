import { request, type Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

export interface UpstreamRequest {
  readonly method: string;
  /** Path and query as the function sees them, e.g. `/sub/path?x=1`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) and ones the next hop recomputes. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
]);

/**
 * One request to a function process over node:http with its keep-alive
 * agent (faster than fetch for small loopback requests). The response is
 * buffered. `signal` aborts it (exec timeout, crash).
 */
export function forwardRequest(agent: Agent, port: number, req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
    headers['content-length'] = String(req.body.length);
    const out = request(
      { host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent, signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
        res.once('error', reject);
        res.once('aborted', () => reject(new Error('response aborted')));
      },
    );
    out.once('error', reject);
    out.end(req.body);
  });
}
