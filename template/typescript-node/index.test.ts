import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ReadyMessage } from './bootstrap/run-bootstrap.js';

const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));
const HANDLER = fileURLToPath(new URL('./bootstrap/test-fixtures/handler.ts', import.meta.url));

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node --conditions=typescript --import tsx index.ts`, as the gateway starts it. */
function startBootstrap(env: Record<string, string>, ipc = true): Started {
  const child = spawn(process.execPath, ['--conditions=typescript', '--import', 'tsx', INDEX], {
    env: { PATH: process.env['PATH'] ?? '', HANDLER_PATH: HANDLER, PORT: '0', FUNCTION_NAME: 'fixture', ...env },
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return { child, output: () => out, exit };
}

const readyPort = (s: Started): Promise<number> =>
  new Promise((resolve, reject) => {
    s.child.once('message', (m: ReadyMessage) => (m.type === 'ready' ? resolve(m.port) : reject(new Error(`unexpected ${JSON.stringify(m)}`))));
    void s.exit.then(() => reject(new Error(`exited before ready:\n${s.output()}`)));
  });

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

describe('template/typescript-node bootstrap as a process @integration', function () {
  this.timeout(30_000);
  let s: Started;
  let port: number;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  before(async () => {
    s = startBootstrap({ GREETING: 'hey', MAX_BODY_BYTES: '1000', GATEWAY_URL: 'http://127.0.0.1:9999' });
    port = await readyPort(s);
  });
  after(() => {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  });

  it('reports its port over IPC once setup() is done, and answers the health path', async () => {
    assert.ok(port > 0);
    const res = await fetch(url('/_/health'));
    assert.equal(res.status, 200);
  });

  it('serves every path and method through the handler with a runtime from the env', async () => {
    const res = await fetch(url('/any/path?q=2'), { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body['greeting'], 'hey');
    assert.equal(body['name'], 'fixture');
    assert.equal(body['gatewayUrl'], 'http://127.0.0.1:9999');
    assert.equal(body['method'], 'DELETE');
    assert.equal(body['path'], '/any/path');
    assert.deepEqual(body['query'], { q: '2' });
  });

  it('answers 500 HANDLER_FAILED when the handler throws and stays up', async () => {
    const res = await fetch(url('/throw'), { method: 'POST' });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { code: 'HANDLER_FAILED', message: 'boom' });
    const pid = Number((await fetch(url('/'))).headers.get('x-pid'));
    assert.equal(pid, s.child.pid);
  });

  it('answers 413 TOO_LARGE above MAX_BODY_BYTES', async () => {
    const res = await fetch(url('/'), { method: 'POST', body: Buffer.alloc(2000) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: string }).code, 'TOO_LARGE');
    assert.equal((await fetch(url('/'), { method: 'POST', body: Buffer.alloc(1000) })).status, 200);
  });

  it('on SIGTERM drains the in-flight request, calls teardown() and exits 0', async () => {
    const slow = fetch(url('/slow'));
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGTERM');
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'slow done');
    assert.deepEqual(await s.exit, { code: 0, signal: null });
    assert.match(s.output(), /teardown called/);
  });

  it('exits 1 with one clear line when setup() fails', async () => {
    const f = startBootstrap({ FAIL_SETUP: '1' });
    assert.deepEqual(await f.exit, { code: 1, signal: null });
    const lines = f.output().trim().split('\n');
    assert.equal(lines.length, 1, f.output());
    assert.match(lines[0]!, /ERROR fixture: error SETUP_FAILED: setup\(\) failed: database unreachable at setup/);
  });

  it('exits 1 naming HANDLER_PATH when the module cannot be loaded', async () => {
    const f = startBootstrap({ HANDLER_PATH: '/nowhere/handler.ts' });
    assert.equal((await f.exit).code, 1);
    assert.match(f.output(), /error CONFIG_INVALID: cannot load handler \/nowhere\/handler\.ts.*set HANDLER_PATH/);
  });

  it('runs without IPC on a fixed PORT, as the upstream of of-watchdog', async () => {
    const fixed = await freePort();
    const f = startBootstrap({ PORT: String(fixed) }, false);
    try {
      for (let i = 0; i < 200 && !/INFO fixture: ready/.test(f.output()); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(f.output(), new RegExp(`ready port=${fixed}`));
      assert.equal((await fetch(`http://127.0.0.1:${fixed}/_/health`)).status, 200);
    } finally {
      f.child.kill('SIGTERM');
      assert.equal((await f.exit).code, 0);
    }
  });
});
