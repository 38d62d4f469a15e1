import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createLogger, fail, ok, type Result } from '@typedcluster/core';
import { readGatewayConfig, type GatewayConfig } from '../config/read-gateway-config.js';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { systemClock } from '../runtime/clock.js';
import { definitionFromStack, type FunctionDefinition } from '../runtime/function-definition.js';
import type { UpstreamRequest, UpstreamResponse } from '../runtime/forward-request.js';
import type { FunctionSnapshot, Supervisor } from '../runtime/supervisor.js';
import { loadStack } from '../stack/load-stack.js';
import { buildGateway } from './build-gateway.js';

const STACK = loadStack(fileURLToPath(new URL('../../test-fixtures/stack.yml', import.meta.url)), {});
const AUTH = 'Basic ' + Buffer.from('admin:pw').toString('base64');

/** Records what the HTTP layer asked for; invoke answers from `answer`. */
class FakeSupervisor implements Supervisor {
  readonly defs = new Map<string, FunctionDefinition>();
  readonly replicas = new Map<string, number>();
  readonly invoked: Array<{ name: string; req: UpstreamRequest }> = [];
  answer: (name: string, req: UpstreamRequest) => Promise<Result<UpstreamResponse>> = async (_n, req) =>
    ok({ status: 200, headers: { 'content-type': String(req.headers['content-type'] ?? 'application/octet-stream'), 'x-from': 'fn' }, body: req.body });

  constructor(defs: FunctionDefinition[]) {
    for (const d of defs) {
      this.defs.set(d.name, d);
      this.replicas.set(d.name, 1);
    }
  }
  list = (): FunctionSnapshot[] => [...this.defs.keys()].map((n) => this.get(n)!);
  get = (name: string): FunctionSnapshot | undefined => {
    const d = this.defs.get(name);
    if (!d) return undefined;
    const r = this.replicas.get(name) === 0 ? 0 : 1;
    return { definition: d, replicas: r, availableReplicas: r, state: r ? 'ready' : 'stopped', pid: undefined, restarts: 0, createdAt: Date.UTC(2026, 0, 2), lastExit: undefined };
  };
  deploy = async (d: FunctionDefinition): Promise<'created' | 'updated'> => {
    const existed = this.defs.has(d.name);
    this.defs.set(d.name, d);
    this.replicas.set(d.name, 1);
    return existed ? 'updated' : 'created';
  };
  remove = async (name: string): Promise<boolean> => this.defs.delete(name);
  scale = async (name: string, n: number): Promise<boolean> => {
    if (!this.defs.has(name)) return false;
    this.replicas.set(name, n);
    return true;
  };
  invoke = async (name: string, req: UpstreamRequest): Promise<Result<UpstreamResponse>> => {
    this.invoked.push({ name, req });
    return this.answer(name, req);
  };
  stopAll = async (): Promise<void> => {};
}

interface Harness {
  app: FastifyInstance;
  sup: FakeSupervisor;
  callbacks: Array<{ url: string; init: RequestInit }>;
  logs: string[];
}

function harness(env: Record<string, string> = {}, opts: { fetchFails?: boolean } = {}): Harness {
  const config: GatewayConfig = readGatewayConfig({ MAX_BODY_BYTES: '1024', ...env }, (n) => ({ 'basic-auth-user': 'admin', 'basic-auth-password': 'pw' })[n]);
  const sup = new FakeSupervisor(STACK.functions.map((f) => definitionFromStack(f, config.execTimeoutMs)));
  const callbacks: Harness['callbacks'] = [];
  const logs: string[] = [];
  const fetchFake = (async (url: string | URL | Request, init?: RequestInit) => {
    callbacks.push({ url: String(url), init: init ?? {} });
    if (opts.fetchFails) throw new Error('connection refused');
    return new Response('thanks');
  }) as typeof fetch;
  let n = 0;
  const app = buildGateway({
    config,
    stack: STACK,
    supervisor: sup,
    metrics: createGatewayMetrics(new Registry()),
    log: createLogger('gateway', { sink: (l) => logs.push(l) }),
    fetch: fetchFake,
    clock: systemClock,
    version: { release: '0.1.0', sha: 'abc123', commitMessage: 'test' },
    newCallId: () => `call-${++n}`,
  });
  return { app, sup, callbacks, logs };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

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

describe('buildGateway: system API (faas-cli shapes)', () => {
  let h: Harness;
  beforeEach(() => (h = harness()));
  afterEach(() => h.app.close());
  const sys = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    h.app.inject({ method, url, headers: { authorization: AUTH }, ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }) });

  it('answers 401 with WWW-Authenticate without or with wrong credentials', async () => {
    for (const authorization of [undefined, 'Basic ' + Buffer.from('admin:wrong').toString('base64'), 'Bearer x']) {
      const res = await h.app.inject({ url: '/system/functions', headers: authorization ? { authorization } : {} });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Basic realm="Restricted"');
      assert.equal(res.json().code, 'UNAUTHORIZED');
    }
  });

  it('lets everything through when BASIC_AUTH=false', async () => {
    const open = harness({ BASIC_AUTH: 'false' });
    assert.equal((await open.app.inject({ url: '/system/functions' })).statusCode, 200);
    await open.app.close();
  });

  it('lists functions as faas-provider FunctionStatus', async () => {
    const res = await sys('GET', '/system/functions');
    assert.equal(res.statusCode, 200);
    const list = res.json() as Array<Record<string, unknown>>;
    assert.deepEqual(list.map((f) => f['name']), ['echo', 'crasher', 'hanger', 'memory-hog', 'rejecter']);
    assert.deepEqual(list[0], {
      name: 'echo',
      image: 'typedcluster/echo:test',
      namespace: 'openfaas-fn',
      envProcess: 'node --conditions=typescript --import tsx template/typescript-node/index.ts',
      envVars: { GREETING: 'hello' },
      constraints: [],
      secrets: [],
      labels: { 'com.typedcluster.test': 'true' },
      annotations: { topic: 'readings' },
      readOnlyRootFilesystem: false,
      invocationCount: 0,
      replicas: 1,
      availableReplicas: 1,
      createdAt: '2026-01-02T00:00:00.000Z',
    });
    assert.deepEqual(list[3]!['limits'], { memory: '64Mi' });
    assert.equal((await sys('GET', '/system/functions?namespace=openfaas-fn')).statusCode, 200);
    assert.equal((await sys('GET', '/system/functions?namespace=other')).statusCode, 400);
  });

  it('describes one function, counting its invocations', async () => {
    await h.app.inject({ method: 'POST', url: '/function/echo', payload: 'x' });
    const res = await sys('GET', '/system/function/echo?namespace=openfaas-fn');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().name, 'echo');
    assert.equal(res.json().invocationCount, 1);
    const missing = await sys('GET', '/system/function/nope');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'FUNCTION_NOT_FOUND');
  });

  it('answers /system/info and /system/namespaces', async () => {
    const info = (await sys('GET', '/system/info')).json();
    assert.deepEqual(info.provider, { provider: 'typedcluster-gateway', orchestration: 'process', version: { release: '0.1.0', sha: 'abc123' } });
    assert.deepEqual(info.version, { release: '0.1.0', sha: 'abc123', commit_message: 'test' });
    assert.equal(typeof info.arch, 'string');
    assert.deepEqual((await sys('GET', '/system/namespaces')).json(), ['openfaas-fn']);
  });

  it('deploys a stack function by name (PUT updates, POST creates) as faas-cli deploy does', async () => {
    const deployment = { service: 'echo', image: 'typedcluster/echo:v2', envVars: { GREETING: 'hey', exec_timeout: '3s' }, labels: { tier: 'edge' }, limits: { memory: '96Mi' } };
    const put = await sys('PUT', '/system/functions', deployment);
    assert.equal(put.statusCode, 202);
    const d = h.sup.defs.get('echo')!;
    assert.equal(d.image, 'typedcluster/echo:v2');
    assert.deepEqual(d.envVars, { GREETING: 'hey', exec_timeout: '3s' });
    assert.equal(d.execTimeoutMs, 3000);
    assert.equal(d.memoryMiB, 96);
    assert.ok(d.handlerPath.endsWith('/test-fixtures/echo/handler.ts'));

    await h.sup.remove('echo');
    const put404 = await sys('PUT', '/system/functions', { service: 'echo', image: 'x' });
    assert.equal(put404.statusCode, 404, 'faas-cli falls back to POST on 404');
    assert.equal((await sys('POST', '/system/functions', { service: 'echo', image: 'x' })).statusCode, 202);
    assert.ok(h.sup.defs.has('echo'));
  });

  it('deploys another name with a stack handler chosen by the com.typedcluster.handler label', async () => {
    const res = await sys('POST', '/system/functions', { service: 'echo-2', image: 'x', labels: { 'com.typedcluster.handler': 'echo' } });
    assert.equal(res.statusCode, 202);
    assert.equal(h.sup.defs.get('echo-2')!.handlerPath, h.sup.defs.get('echo')!.handlerPath);
  });

  it('refuses to deploy a function whose handler is not in stack.yml, saying how to fix it', async () => {
    const res = await sys('POST', '/system/functions', { service: 'figlet', image: 'ghcr.io/openfaas/figlet:latest' });
    assert.equal(res.statusCode, 400);
    const body = res.json();
    assert.equal(body.code, 'BAD_REQUEST');
    assert.match(body.message, /"figlet" is not a function in .*stack\.yml/);
    assert.match(body.message, /com\.typedcluster\.handler/);
    const bad = await sys('POST', '/system/functions', { service: 'x', labels: { 'com.typedcluster.handler': 'nope' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /names no function/);
  });

  it('rejects malformed deployments', async () => {
    for (const payload of [undefined, 'not json', { image: 'x' }, { service: 'Echo' }, { service: 'echo', envVars: { A: 1 } }, { service: 'echo', limits: { memory: '1Mi' } }]) {
      const res = await h.app.inject({ method: 'POST', url: '/system/functions', headers: { authorization: AUTH }, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }) });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      assert.equal(res.json().code, 'BAD_REQUEST');
    }
  });

  it('deletes a function ({functionName}) and answers 404 for an unknown one', async () => {
    const res = await sys('DELETE', '/system/functions', { functionName: 'crasher' });
    assert.equal(res.statusCode, 202);
    assert.equal(h.sup.defs.has('crasher'), false);
    assert.equal((await sys('DELETE', '/system/functions', { functionName: 'crasher' })).statusCode, 404);
  });

  it('scales: 0 stops, 1 or more runs one, bad input is 400, unknown 404', async () => {
    assert.equal((await sys('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas: 0 })).statusCode, 202);
    assert.equal(h.sup.replicas.get('echo'), 0);
    const described = (await sys('GET', '/system/function/echo')).json();
    assert.equal(described.replicas, 0);
    assert.equal(described.availableReplicas, 0);
    assert.equal((await sys('POST', '/system/scale-function/echo', { serviceName: 'echo', replicas: 2 })).statusCode, 202);
    assert.equal(h.sup.replicas.get('echo'), 2);
    assert.equal((await sys('POST', '/system/scale-function/echo', { replicas: -1 })).statusCode, 400);
    assert.equal((await sys('POST', '/system/scale-function/nope', { replicas: 1 })).statusCode, 404);
  });
});
