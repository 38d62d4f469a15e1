import assert from 'node:assert/strict';
import { request } from 'node:http';
import { FUNCTION_INFO_PATH, createLogger, type Handler } from '@typedcluster/core';
import { createFunctionServer, HEALTH_PATH, type FunctionServer } from './bootstrap/function-server.js';
import { toHttpAnswer } from './bootstrap/http-mapping.js';
import { readBootstrapConfig } from './bootstrap/read-bootstrap-config.js';
import * as fixture from './bootstrap/test-fixtures/handler.js';

const silent = createLogger('fn', { sink: () => {} });

describe('bootstrap: response mapping', () => {
  const res = (body: unknown, headers: Record<string, string> = {}) => toHttpAnswer({ status: 201, headers, body: body as never });

  it('sends a Buffer as application/octet-stream, a string as text/plain, an object as JSON', () => {
    assert.equal(res(Buffer.from([1, 2])).headers['content-type'], 'application/octet-stream');
    assert.equal(res('hi').headers['content-type'], 'text/plain; charset=utf-8');
    const json = res({ a: 1 });
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(json.body.toString(), '{"a":1}');
    assert.equal(json.status, 201);
  });

  it('keeps a Content-Type the handler set, in any letter case', () => {
    assert.equal(res('x', { 'Content-Type': 'text/csv' }).headers['content-type'], 'text/csv');
  });

  it('sends null as an empty body without a type', () => {
    const a = res(null);
    assert.equal(a.body.length, 0);
    assert.equal(a.headers['content-type'], undefined);
  });

  it('refuses what is not a FunctionResponse', () => {
    assert.throws(() => toHttpAnswer(undefined as never), /FunctionResponse/);
    assert.throws(() => toHttpAnswer({ status: 42, headers: {}, body: null }), /FunctionResponse/);
  });
});

describe('bootstrap: readBootstrapConfig', () => {
  it('defaults to of-watchdog\'s upstream port and the compiled handler when present', () => {
    const c = readBootstrapConfig({}, '/home/app', (p) => p === '/home/app/function/handler.js');
    assert.equal(c.port, 3000);
    assert.equal(c.handlerPath, '/home/app/function/handler.js');
    assert.equal(c.gatewayUrl, 'http://gateway.openfaas:8080');
    assert.equal(c.secretsDir, '/var/openfaas/secrets');
    assert.equal(readBootstrapConfig({}, '/src', () => false).handlerPath, '/src/function/handler.ts');
  });

  it('reads its variables', () => {
    const c = readBootstrapConfig({ HANDLER_PATH: '/f/handler.ts', PORT: '0', MAX_BODY_BYTES: '10', SECRETS_DIR: '/s', GATEWAY_URL: 'http://127.0.0.1:8080/', FUNCTION_NAME: 'echo' }, '/x');
    assert.deepEqual(
      [c.handlerPath, c.port, c.maxBodyBytes, c.secretsDir, c.gatewayUrl, c.functionName],
      ['/f/handler.ts', 0, 10, '/s', 'http://127.0.0.1:8080', 'echo'],
    );
  });

  it('fails fast on a bad PORT', () => {
    assert.throws(() => readBootstrapConfig({ PORT: 'x' }, '/x'), /PORT=x/);
  });
});

/** Sends one request with node:http (so chunked bodies and raw headers are possible). */
function send(port: number, opts: { method?: string; path?: string; body?: Buffer; chunked?: boolean; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/', headers: opts.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.body && opts.chunked) {
      req.write(opts.body.subarray(0, opts.body.length / 2));
      req.end(opts.body.subarray(opts.body.length / 2));
    } else req.end(opts.body);
  });
}

describe('bootstrap: function server', () => {
  let server: FunctionServer;
  let port: number;
  const start = async (handler: Handler, maxBodyBytes = 64): Promise<void> => {
    server = createFunctionServer({ handler, maxBodyBytes, log: silent });
    port = await server.listen(0, '127.0.0.1');
  };
  afterEach(() => server.drain(100));

  it('gives the handler the raw body, method, path, query and headers', async () => {
    await start(fixture.createHandler({ greeting: 'hi', name: 'fx', gatewayUrl: 'http://g' }));
    const res = await send(port, { method: 'PATCH', path: '/a/b?x=1&x=2&y=', body: Buffer.from([0, 1, 2]), headers: { 'content-type': 'application/x-frames' } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), {
      greeting: 'hi',
      name: 'fx',
      gatewayUrl: 'http://g',
      method: 'PATCH',
      path: '/a/b',
      query: { x: '1', y: '' },
      bodyLength: 3,
      contentType: 'application/x-frames',
    });
  });

  it('answers 500 HANDLER_FAILED when the handler throws, and keeps serving', async () => {
    await start(fixture.createHandler({ greeting: 'hi', name: 'fx', gatewayUrl: 'http://g' }));
    const res = await send(port, { path: '/throw' });
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(res.body.toString()), { code: 'HANDLER_FAILED', message: 'boom' });
    assert.equal((await send(port)).status, 200);
  });

  it('answers 500 HANDLER_FAILED for invalid response headers', async () => {
    await start(async (_e, ctx) => ctx.headers({ 'bad header': 'x' }).succeed('x'));
    const res = await send(port);
    assert.equal(res.status, 500);
    assert.equal(JSON.parse(res.body.toString()).code, 'HANDLER_FAILED');
  });

  it('answers 413 TOO_LARGE for a declared or a streamed body over MAX_BODY_BYTES, without calling the handler', async () => {
    let calls = 0;
    await start(async (_e, ctx) => {
      calls += 1;
      return ctx.succeed('ok');
    });
    const big = Buffer.alloc(100, 1);
    for (const chunked of [false, true]) {
      const res = await send(port, { body: big, chunked });
      assert.equal(res.status, 413, `chunked=${chunked}`);
      assert.equal(JSON.parse(res.body.toString()).code, 'TOO_LARGE');
    }
    assert.equal(calls, 0);
    assert.equal((await send(port, { body: Buffer.alloc(64) })).status, 200);
  });

  it('answers the of-watchdog health path itself', async () => {
    await start(async () => {
      throw new Error('not for health');
    });
    const res = await send(port, { method: 'GET', path: HEALTH_PATH });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'OK');
  });

  it('answers GET /_/info itself with what the module declares, {} without info()', async () => {
    const never: Handler = async () => {
      throw new Error('not for info');
    };
    await start(never);
    const none = await send(port, { method: 'GET', path: FUNCTION_INFO_PATH });
    assert.deepEqual([none.status, JSON.parse(none.body.toString())], [200, {}]);
    await server.drain(100);
    server = createFunctionServer({ handler: never, maxBodyBytes: 64, log: silent, info: () => ({ tfBackend: 'wasm' }) });
    port = await server.listen(0, '127.0.0.1');
    const res = await send(port, { method: 'GET', path: FUNCTION_INFO_PATH });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body.toString()), { tfBackend: 'wasm' });
  });

  it('drains in-flight requests before it reports done', async () => {
    await start(fixture.createHandler({ greeting: 'hi', name: 'fx', gatewayUrl: 'http://g' }));
    const slow = send(port, { path: '/slow' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.inFlight(), 1);
    const drained = await server.drain(5000);
    assert.equal(drained, true);
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), 'slow done');
    await assert.rejects(send(port), /ECONNREFUSED/);
  });
});
