import assert from 'node:assert/strict';
import { FUNCTION_INFO_PATH, ok } from '@typedcluster/core';
import { AUTH, harness, type Harness } from '../testing/gateway-harness.js';

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

  it('asks for credentials however the /system path is spelled', async () => {
    for (const url of ['/%73ystem/functions', '/system/functions/', '/system/function/%65cho', '/system/info?x=1']) {
      assert.equal((await h.app.inject({ url })).statusCode, 401, url);
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

  it('/system/info lists what each ready function declares on /_/info, leaving out the others', async () => {
    h.sup.answer = async (name, req) => {
      const json = (v: unknown, status = 200) => ok({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v)) });
      if (req.method !== 'GET' || req.path !== FUNCTION_INFO_PATH) return json({ code: 'BAD_REQUEST' }, 400);
      if (name === 'echo') return json({ tfBackend: 'wasm', model: null });
      if (name === 'crasher') return json({ code: 'BAD_REQUEST', message: 'use POST' }, 400); // an older template: the handler answers
      if (name === 'hanger') return ok({ status: 200, headers: {}, body: Buffer.from('not json') });
      if (name === 'memory-hog') return json({ nested: { no: 1 } });
      return json({});
    };
    await sys('POST', '/system/scale-function/rejecter', { serviceName: 'rejecter', replicas: 0 });
    const info = (await sys('GET', '/system/info')).json();
    assert.deepEqual(info.functions, { echo: { tfBackend: 'wasm', model: null } });
    assert.ok(h.sup.invoked.every((i) => i.name !== 'rejecter'), 'a function scaled to zero is not asked');
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

describe('buildGateway: namespaces and secrets', () => {
  let h: Harness;
  beforeEach(() => (h = harness({ SECRETS_DIR: '/nonexistent-secrets' })));
  afterEach(() => h.app.close());
  const auth = { authorization: AUTH };

  it('describe refuses an unknown namespace as list does', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/system/function/echo?namespace=dev', headers: auth });
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ message: string }>().message, /namespace "dev" does not exist/);
  });

  it('refuses to deploy a function naming a secret that does not exist', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/system/functions', headers: auth, payload: JSON.stringify({ service: 'echo', image: 'x:1', secrets: ['nope'] }) });
    assert.equal(res.statusCode, 400);
    assert.match(res.json<{ message: string }>().message, /secret "nope" of echo does not exist/);
  });
});
