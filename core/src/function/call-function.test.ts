import assert from 'node:assert/strict';
import { callFunction, type CallOptions } from './call-function.js';

interface Call {
  readonly url: string;
  readonly init: RequestInit | undefined;
}

/** A fetch that records its calls and answers with `respond`. */
function fakeFetch(respond: (url: string, init?: RequestInit) => Promise<Response> | Response) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, init });
    return respond(url, init);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const opts = (fetch: typeof globalThis.fetch, gatewayUrl = 'http://gw:8080'): CallOptions => ({ fetch, gatewayUrl, timeoutMs: 1000 });

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('callFunction', () => {
  it('POSTs the body with its content type to <gateway>/function/<name>', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { stored: 1 }));
    const body = new Uint8Array([1, 2, 3]);
    await callFunction(opts(fetch), 'store-reading', body, 'application/octet-stream');
    assert.equal(calls.length, 1);
    const call = calls[0]!;
    assert.equal(call.url, 'http://gw:8080/function/store-reading');
    assert.equal(call.init?.method, 'POST');
    assert.deepEqual(call.init?.headers, { 'content-type': 'application/octet-stream' });
    assert.equal(call.init?.body, body);
    assert.ok(call.init?.signal instanceof AbortSignal);
  });

  it('drops a trailing slash from gatewayUrl', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    await callFunction(opts(fetch, 'http://gw:8080/'), 'fn', '{}', 'application/json');
    assert.equal(calls[0]?.url, 'http://gw:8080/function/fn');
  });

  it('returns the parsed JSON answer for a 2xx', async () => {
    const { fetch } = fakeFetch(() => json(200, { accepted: 2, rejected: 0 }));
    const r = await callFunction<{ accepted: number }>(opts(fetch), 'fn', '{}', 'application/json');
    assert.deepEqual(r, { ok: true, value: { accepted: 2, rejected: 0 } });
  });

  it('returns the parsed JSON answer for a 4xx, so the caller can relay it', async () => {
    const { fetch } = fakeFetch(() => json(409, { ok: false, code: 'REPLAY', message: 'seen' }));
    const r = await callFunction(opts(fetch), 'fn', '{}', 'application/json');
    assert.deepEqual(r, { ok: true, value: { ok: false, code: 'REPLAY', message: 'seen' } });
  });

  for (const status of [500, 502, 503, 429]) {
    it(`is UPSTREAM_FAILED for ${status}, naming the function and status`, async () => {
      const { fetch } = fakeFetch(() => json(status, { code: 'X' }));
      const r = await callFunction(opts(fetch), 'store-reading', '{}', 'application/json');
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'UPSTREAM_FAILED');
      assert.match(r.error.message, new RegExp(`^store-reading answered ${status}`));
    });
  }

  it('is UPSTREAM_FAILED for a network error', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    const r = await callFunction(opts(fetch), 'fn', '{}', 'application/json');
    assert.deepEqual(r, { ok: false, error: { code: 'UPSTREAM_FAILED', message: 'fn unreachable: fetch failed' } });
  });

  it('is UPSTREAM_FAILED for a 2xx body that is not JSON', async () => {
    const { fetch } = fakeFetch(() => new Response('<html>oops</html>', { status: 200 }));
    const r = await callFunction(opts(fetch), 'fn', '{}', 'application/json');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'UPSTREAM_FAILED');
    assert.match(r.error.message, /not JSON: <html>oops<\/html>$/);
  });

  it('is UPSTREAM_FAILED for an empty body', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const r = await callFunction(opts(fetch), 'fn', '{}', 'application/json');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'UPSTREAM_FAILED');
  });

  it('is UPSTREAM_FAILED when the function does not answer within timeoutMs', async () => {
    // Never answers; rejects only when the request's signal aborts, like a real fetch.
    const { fetch } = fakeFetch(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          const signal = init?.signal;
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    );
    const r = await callFunction({ fetch, gatewayUrl: 'http://gw:8080', timeoutMs: 10 }, 'slow-fn', '{}', 'application/json');
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'UPSTREAM_FAILED');
    assert.match(r.error.message, /^slow-fn unreachable: /);
  });
});
