import http from 'node:http';

/**
 * The `fetch` a function's runtime gets: calls to plain-http URLs with an
 * in-memory body (what a function sends the gateway, `callFunction`) go
 * through node:http on keep-alive sockets; anything else (https, a Request
 * or URL object, a streamed or form body, headers not given as a plain
 * object) goes to `fallback`, the platform's own fetch.
 *
 * Why: undici's fetch cost about twice the CPU of node:http per call (its
 * WHATWG streams and Request/Response machinery), and ingest-binary and
 * verify-and-decrypt each make one per batch on the ingest path.
 *
 * What it does not do, unlike fetch: follow redirects (a 3xx is returned
 * as it is; the gateway answers none on /function/) or decompress bodies.
 */
export function createLocalFetch(fallback: typeof fetch = globalThis.fetch): typeof fetch {
  const agent = new http.Agent({ keepAlive: true });
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const body = init?.body;
    const headers = init?.headers;
    const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
    const plainHeaders = headers === undefined || (typeof headers === 'object' && !(headers instanceof Headers) && !Array.isArray(headers));
    if (typeof input !== 'string' || !input.startsWith('http://') || !plainBody || !plainHeaders) return fallback(input, init);
    return request(agent, input, init?.method ?? 'GET', headers as Record<string, string> | undefined, body ?? undefined, init?.signal ?? undefined);
  }) as typeof fetch;
}

/** Statuses whose Response may carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

function request(agent: http.Agent, url: string, method: string, headers: Record<string, string> | undefined, body: string | Uint8Array | undefined, signal: AbortSignal | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, ...(signal ? { signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const answer = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const payload = NULL_BODY.has(status) ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        try {
          resolve(new Response(payload, { status, statusText: res.statusMessage ?? '', headers: answer }));
        } catch (e) {
          reject(e); // a status Response cannot hold (outside 200..599), as fetch would
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
