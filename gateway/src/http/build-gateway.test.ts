import assert from 'node:assert/strict';
import { fail, ok } from '@typedcluster/core';
import { harness, type Harness, until } from '../testing/gateway-harness.js';

describe('buildGateway: function routes', () => {
  let h: Harness;
  beforeEach(() => (h = harness()));
  afterEach(() => h.app.close());

  it('passes any method, sub-path, query, headers and a raw body of any content type to the function', async () => {
    const body = Buffer.from([0x54, 0x43, 0x00, 0xff, 0x10]);
    const res = await h.app.inject({ method: 'PUT', url: '/function/echo/sub/path?x=1&y=2', payload: body, headers: { 'content-type': 'application/x-typedcluster-frames', 'x-device': '7' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.rawPayload, body);
    assert.equal(res.headers['x-from'], 'fn');
    assert.equal(res.headers['x-call-id'], 'call-1');
    assert.ok(Number(res.headers['x-duration-seconds']) >= 0);
    const seen = h.sup.invoked[0]!;
    assert.equal(seen.name, 'echo');
    assert.equal(seen.req.method, 'PUT');
    assert.equal(seen.req.path, '/sub/path?x=1&y=2');
    assert.equal(seen.req.headers['x-device'], '7');
    assert.equal(seen.req.headers['x-call-id'], 'call-1');
    assert.deepEqual(seen.req.body, body);
  });

  it('forwards a body without Content-Type, and the root path as /', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/function/echo.openfaas-fn?q=1', payload: Buffer.from('raw') });
    assert.equal(res.statusCode, 200);
    assert.equal(h.sup.invoked[0]!.req.path, '/?q=1');
    assert.equal(h.sup.invoked[0]!.req.body.toString(), 'raw');
  });

  it('keeps the sub-path exactly as sent, whatever the spelling of the name', async () => {
    for (const [url, path] of [
      ['/function/%65cho/a%2Fb/c?x=%20', '/a%2Fb/c?x=%20'],
      ['/function/echo.openfaas-fn/', '/'],
      ['/function/echo/x/?a=1&a=2', '/x/?a=1&a=2'],
    ] as const) {
      h.sup.invoked.length = 0;
      assert.equal((await h.app.inject({ method: 'POST', url, payload: 'x' })).statusCode, 200, url);
      assert.equal(h.sup.invoked[0]!.req.path, path, url);
    }
  });

  it('passes the function status and X-Rejected through and counts the rejections by reason', async () => {
    h.sup.answer = async () => ok({ status: 400, headers: { 'content-type': 'application/json', 'x-rejected': 'BAD_MAGIC=2,REPLAY=1' }, body: Buffer.from('{"code":"BAD_MAGIC"}') });
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/function/rejecter', payload: 'x' });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['x-rejected'], 'BAD_MAGIC=2,REPLAY=1');
    }
    const metrics = (await h.app.inject({ url: '/metrics' })).payload;
    assert.match(metrics, /typedcluster_frames_rejected_total\{function_name="rejecter",reason="BAD_MAGIC"\} 4/);
    assert.match(metrics, /typedcluster_frames_rejected_total\{function_name="rejecter",reason="REPLAY"\} 2/);
    assert.match(metrics, /gateway_function_invocation_total\{function_name="rejecter",code="400"\} 2/);
    assert.match(metrics, /gateway_function_invocation_started\{function_name="rejecter"\} 2/);
    assert.match(metrics, /gateway_functions_seconds_count\{function_name="rejecter",code="400"\} 2/);
  });

  it('answers our own failures as {code, message} with the catalogue status', async () => {
    h.sup.answer = async () => fail('FUNCTION_TIMEOUT', 'echo did not answer within 30000ms');
    const res = await h.app.inject({ method: 'POST', url: '/function/echo', payload: 'x' });
    assert.equal(res.statusCode, 504);
    assert.deepEqual(res.json(), { code: 'FUNCTION_TIMEOUT', message: 'echo did not answer within 30000ms' });
  });

  it('answers 404 FUNCTION_NOT_FOUND for unknown functions and namespaces, without invoking', async () => {
    for (const url of ['/function/nope', '/function/echo.other-ns', '/function/nope/sub']) {
      const res = await h.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().code, 'FUNCTION_NOT_FOUND');
    }
    assert.equal(h.sup.invoked.length, 0);
  });

  it('answers 413 TOO_LARGE above MAX_BODY_BYTES', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/function/echo', payload: Buffer.alloc(2048), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'TOO_LARGE');
    assert.equal(h.sup.invoked.length, 0);
  });

  it('does not ask for credentials on /function, /healthz or /metrics', async () => {
    assert.equal((await h.app.inject({ url: '/function/echo' })).statusCode, 200);
    const health = await h.app.inject({ url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.payload, 'OK');
    assert.equal((await h.app.inject({ url: '/metrics' })).statusCode, 200);
  });

  it('answers unknown routes with NOT_FOUND', async () => {
    const res = await h.app.inject({ url: '/nothing/here' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'NOT_FOUND');
  });
});

describe('buildGateway: async invocations', () => {
  it('answers 202 with X-Call-Id and posts the result to X-Callback-Url', async () => {
    const h = harness();
    const res = await h.app.inject({ method: 'POST', url: '/async-function/echo/p', payload: 'hello', headers: { 'content-type': 'text/plain', 'x-callback-url': 'http://127.0.0.1:9/cb' } });
    assert.equal(res.statusCode, 202);
    assert.equal(res.headers['x-call-id'], 'call-1');
    await until(() => h.callbacks.length === 1);
    const cb = h.callbacks[0]!;
    assert.equal(cb.url, 'http://127.0.0.1:9/cb');
    assert.equal(cb.init.method, 'POST');
    const headers = cb.init.headers as Record<string, string>;
    assert.equal(headers['x-call-id'], 'call-1');
    assert.equal(headers['x-function-status'], '200');
    assert.equal(headers['x-function-name'], 'echo');
    assert.equal(headers['content-type'], 'text/plain');
    assert.equal(Buffer.from(cb.init.body as Uint8Array).toString(), 'hello');
    assert.equal(h.sup.invoked[0]!.req.path, '/p');
    await h.app.close();
  });

  it('posts a failure as {code, message} with its status', async () => {
    const h = harness();
    h.sup.answer = async () => fail('FUNCTION_CRASHED', 'echo exited during the request');
    await h.app.inject({ method: 'POST', url: '/async-function/echo', payload: 'x', headers: { 'x-callback-url': 'http://127.0.0.1:9/cb' } });
    await until(() => h.callbacks.length === 1);
    assert.equal((h.callbacks[0]!.init.headers as Record<string, string>)['x-function-status'], '502');
    assert.equal(JSON.parse(Buffer.from(h.callbacks[0]!.init.body as Uint8Array).toString()).code, 'FUNCTION_CRASHED');
    await h.app.close();
  });

  it('logs a callback that cannot be delivered and keeps going', async () => {
    const h = harness({}, { fetchFails: true });
    await h.app.inject({ method: 'POST', url: '/async-function/echo', payload: 'x', headers: { 'x-callback-url': 'http://127.0.0.1:9/cb' } });
    await until(() => h.logs.some((l) => l.includes('async callback failed')));
    assert.equal((await h.app.inject({ method: 'POST', url: '/async-function/echo', payload: 'x' })).statusCode, 202);
    await h.app.close();
  });

  it('answers 429 QUEUE_FULL when the queue is full, and 400 for a bad callback URL', async () => {
    const h = harness({ ASYNC_QUEUE_MAX: '1', ASYNC_CONCURRENCY: '1' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    h.sup.answer = async () => {
      await gate;
      return ok({ status: 200, headers: {}, body: Buffer.alloc(0) });
    };
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await h.app.inject({ method: 'POST', url: '/async-function/echo', payload: 'x' })).statusCode);
    assert.deepEqual(codes, [202, 202, 429]);
    const bad = await h.app.inject({ method: 'POST', url: '/async-function/echo', payload: 'x', headers: { 'x-callback-url': 'ftp://x' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'BAD_REQUEST');
    release();
    await h.app.close();
    assert.equal(h.sup.invoked.length, 2, 'queued work drained on close');
  });
});
