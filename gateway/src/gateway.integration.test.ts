import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, StartupError } from '@typedcluster/core';
import { startGateway, type RunningGateway } from './server.js';

const STACK_FILE = fileURLToPath(new URL('../test-fixtures/stack.yml', import.meta.url));
const AUTH = 'Basic ' + Buffer.from('admin:pw').toString('base64');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('gateway with real function processes @integration', function () {
  this.timeout(60_000);
  let gw: RunningGateway;
  let secrets: string;
  const logs: string[] = [];

  const call = (path: string, init: RequestInit = {}) => fetch(gw.url + path, init);
  const system = (path: string, init: RequestInit = {}) => call(path, { ...init, headers: { authorization: AUTH, ...(init.headers as Record<string, string>) } });
  const metric = async (series: string): Promise<number> => {
    const text = await (await call('/metrics')).text();
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };
  const pidOf = (name: string): number => gw.supervisor.get(name)!.pid!;

  before(async () => {
    secrets = mkdtempSync(join(tmpdir(), 'gw-secrets-'));
    writeFileSync(join(secrets, 'basic-auth-user'), 'admin\n');
    writeFileSync(join(secrets, 'basic-auth-password'), 'pw\n');
    process.env['GATEWAY_ONLY_SECRET'] = 'must-not-reach-functions';
    gw = await startGateway({
      env: { PORT: '0', STACK_FILE, SECRETS_DIR: secrets, READY_WAIT: '15s', RESTART_BACKOFF_MAX: '1s', SHUTDOWN_TIMEOUT: '3s' },
      functionEnv: { EXTRA_FOR_FUNCTIONS: 'from-cli' },
      log: createLogger('gateway', { sink: (l) => logs.push(l) }),
    });
    delete process.env['GATEWAY_ONLY_SECRET'];
  });

  after(async () => {
    await gw?.close();
    rmSync(secrets, { recursive: true, force: true });
  });

  it('starts every function of the stack, each in its own process', () => {
    const list = gw.supervisor.list();
    assert.deepEqual(list.map((s) => [s.definition.name, s.availableReplicas]), [
      ['echo', 1],
      ['crasher', 1],
      ['hanger', 1],
      ['memory-hog', 1],
      ['rejecter', 1],
    ]);
    assert.equal(new Set(list.map((s) => s.pid)).size, 5);
  });

  it('invokes echo: env from stack.yml and functionEnv, GATEWAY_URL back to this gateway, no gateway env', async () => {
    const res = await call('/function/echo/info?a=1');
    assert.equal(res.status, 200);
    const info = (await res.json()) as Record<string, unknown>;
    assert.equal(info['greeting'], 'hello');
    assert.equal(info['extra'], 'from-cli');
    assert.equal(info['functionName'], 'echo');
    assert.equal(info['gatewayUrl'], gw.url);
    assert.deepEqual(info['query'], { a: '1' });
    assert.equal(info['callId'], res.headers.get('x-call-id'));
    assert.equal(info['leaked'], undefined);

    const bytes = Buffer.from([0x54, 0x43, 0x01, 0x00, 0xfe, 0xff]);
    const raw = await call('/function/echo', { method: 'POST', body: bytes, headers: { 'content-type': 'application/x-typedcluster-frames' } });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-type'), 'application/x-typedcluster-frames');
    assert.deepEqual(Buffer.from(await raw.arrayBuffer()), bytes);
  });

  it('answers 502 FUNCTION_CRASHED when a function exits mid-request, and restarts it', async () => {
    const before = pidOf('crasher');
    const res = await call('/function/crasher/crash');
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as { code: string }).code, 'FUNCTION_CRASHED');
    const again = await call('/function/crasher');
    assert.equal(again.status, 200);
    assert.equal(await again.text(), 'alive');
    assert.notEqual(Number(again.headers.get('x-pid')), before);
    assert.equal(await metric('typedcluster_function_restarts_total{function_name="crasher",reason="crash"}'), 1);
  });

  it('survives a function process killed in the middle of 200 requests', async () => {
    const victim = pidOf('echo');
    const statuses: number[] = [];
    let done = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 200) {
        const i = next++;
        const res = await call('/function/echo', { method: 'POST', body: `req-${i}` });
        const text = await res.text();
        if (res.status === 200) assert.equal(text, `req-${i}`);
        else assert.match(text, /FUNCTION_CRASHED|FUNCTION_UNAVAILABLE/);
        statuses[i] = res.status;
        if (++done === 50) process.kill(victim, 'SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const failed = statuses.filter((s) => s !== 200);
    assert.ok(failed.every((s) => s === 502 || s === 503), `unexpected statuses ${failed}`);
    assert.ok(failed.length <= 8, `only in-flight requests may fail, got ${failed.length}`);
    assert.ok(statuses.slice(-50).every((s) => s === 200), 'later requests succeed');
    assert.notEqual(pidOf('echo'), victim);
    assert.equal(alive(victim), false);
    assert.equal(await metric('typedcluster_function_restarts_total{function_name="echo",reason="crash"}'), 1);
  });

  it('answers 504 FUNCTION_TIMEOUT after exec_timeout, kills the hung process and serves again', async () => {
    const before = pidOf('hanger');
    const t0 = Date.now();
    const res = await call('/function/hanger/hang');
    const elapsed = Date.now() - t0;
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { code: string }).code, 'FUNCTION_TIMEOUT');
    assert.ok(elapsed >= 1000 && elapsed < 5000, `took ${elapsed}ms for exec_timeout 1s`);
    const again = await call('/function/hanger');
    assert.equal(again.status, 200);
    assert.notEqual(Number(again.headers.get('x-pid')), before);
    assert.equal(alive(before), false);
    assert.equal(await metric('typedcluster_function_restarts_total{function_name="hanger",reason="timeout"}'), 1);
  });

  it('recovers from a memory blow-up capped by limits.memory, without touching the others', async () => {
    const echoPid = pidOf('echo');
    const res = await call('/function/memory-hog/hog');
    assert.equal(res.status, 502);
    const body = (await res.json()) as { code: string; message: string };
    assert.equal(body.code, 'FUNCTION_CRASHED');
    assert.match(body.message, /oom/);
    assert.equal((await call('/function/memory-hog')).status, 200);
    assert.equal(await metric('typedcluster_function_restarts_total{function_name="memory-hog",reason="oom"}'), 1);
    assert.equal(pidOf('echo'), echoPid);
    assert.equal((await call('/healthz')).status, 200);
  });

  it('counts invocations by status and rejections by reason from X-Rejected', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await call('/function/rejecter', { method: 'POST', body: 'XX' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-rejected'), 'BAD_MAGIC=1');
      assert.equal(((await res.json()) as { code: string }).code, 'BAD_MAGIC');
    }
    const batch = await call('/function/rejecter/batch', { method: 'POST', body: 'frames' });
    assert.equal(batch.status, 200);
    await batch.arrayBuffer();
    assert.equal(await metric('typedcluster_frames_rejected_total{function_name="rejecter",reason="BAD_MAGIC"}'), 4);
    assert.equal(await metric('typedcluster_frames_rejected_total{function_name="rejecter",reason="REPLAY"}'), 1);
    assert.equal(await metric('gateway_function_invocation_total{function_name="rejecter",code="400"}'), 2);
    assert.equal(await metric('gateway_function_invocation_total{function_name="rejecter",code="200"}'), 1);
    assert.equal(await metric('gateway_function_invocation_started{function_name="rejecter"}'), 3);
    assert.equal(await metric('gateway_service_count{function_name="rejecter"}'), 1);
  });

  it('runs an async invocation and posts the result to the callback URL', async () => {
    let server: Server | undefined;
    try {
      const received = new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve) => {
        server = createServer((req, res) => {
          const chunks: Buffer[] = [];
          req.on('data', (c: Buffer) => chunks.push(c));
          req.on('end', () => {
            res.end();
            resolve({ headers: req.headers, body: Buffer.concat(chunks).toString() });
          });
        });
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const cb = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/done`;
      const res = await call('/async-function/echo', { method: 'POST', body: 'later please', headers: { 'x-callback-url': cb, 'content-type': 'text/plain' } });
      assert.equal(res.status, 202);
      const callId = res.headers.get('x-call-id');
      assert.ok(callId);
      const got = await received;
      assert.equal(got.body, 'later please');
      assert.equal(got.headers['x-call-id'], callId);
      assert.equal(got.headers['x-function-status'], '200');
      assert.equal(got.headers['x-function-name'], 'echo');
    } finally {
      server?.closeAllConnections();
      server?.close();
    }
  });

  it('describes a running function with its replicas and memory use (basic auth required)', async () => {
    assert.equal((await call('/system/function/echo')).status, 401);
    const res = await system('/system/function/echo');
    assert.equal(res.status, 200);
    const status = (await res.json()) as { replicas: number; availableReplicas: number; invocationCount: number; usage?: { totalMemoryBytes: number } };
    assert.equal(status.replicas, 1);
    assert.equal(status.availableReplicas, 1);
    assert.ok(status.invocationCount >= 200);
    assert.ok((status.usage?.totalMemoryBytes ?? 0) > 1_000_000);
  });

  it('redeploys through PUT /system/functions with new env, restarting the process', async () => {
    const before = pidOf('echo');
    const res = await system('/system/functions', { method: 'PUT', body: JSON.stringify({ service: 'echo', image: 'typedcluster/echo:v2', envVars: { GREETING: 'redeployed' } }) });
    assert.equal(res.status, 202);
    const info = (await (await call('/function/echo/info')).json()) as { greeting: string };
    assert.equal(info.greeting, 'redeployed');
    assert.notEqual(pidOf('echo'), before);
    assert.equal(await metric('typedcluster_function_restarts_total{function_name="echo",reason="deploy"}'), 1);
  });

  it('scales a function to zero and back', async () => {
    const pid = pidOf('rejecter');
    assert.equal((await system('/system/scale-function/rejecter', { method: 'POST', body: JSON.stringify({ serviceName: 'rejecter', replicas: 0 }) })).status, 202);
    assert.equal(alive(pid), false);
    assert.equal((await call('/function/rejecter', { method: 'POST', body: 'x' })).status, 503);
    assert.equal(await metric('gateway_service_count{function_name="rejecter"}'), 0);
    assert.equal((await system('/system/scale-function/rejecter', { method: 'POST', body: JSON.stringify({ serviceName: 'rejecter', replicas: 1 }) })).status, 202);
    assert.equal((await call('/function/rejecter/batch', { method: 'POST', body: 'x' })).status, 200);
  });

  it('refuses a second gateway on the same port with PORT_IN_USE', async () => {
    await assert.rejects(
      startGateway({ env: { PORT: String(gw.port), STACK_FILE, BASIC_AUTH: 'false' }, log: createLogger('gw2', { sink: () => {} }) }),
      (e: unknown) => e instanceof StartupError && e.code === 'PORT_IN_USE' && e.hint === 'set PORT or stop the other process',
    );
  });

  it('logs function output under the function name', () => {
    assert.ok(logs.some((l) => /WARN gateway\/memory-hog: .*heap out of memory/.test(l)));
    assert.ok(logs.some((l) => /INFO gateway\/echo: stopping why=SIGTERM/.test(l)), 'redeploy drained the old echo');
  });

  it('stops every function process on close', async () => {
    const pids = gw.supervisor.list().map((s) => s.pid!);
    await gw.close();
    assert.ok(pids.every((p) => !alive(p)), 'all children gone');
    assert.equal(gw.supervisor.list().every((s) => s.availableReplicas === 0), true);
  });
});
