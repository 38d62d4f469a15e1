import assert from 'node:assert/strict';
import { Agent, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@typedcluster/core';
import { backoffMs, type Clock } from './clock.js';
import type { FunctionDefinition } from './function-definition.js';
import type { FunctionProcess, ProcessExit } from './function-process.js';
import { createSupervisor, type ProcessSupervisor } from './supervisor.js';

/** Timers that only move when the test says so. */
class FakeClock implements Clock {
  t = 0;
  private id = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => {
    this.id += 1;
    this.timers.set(this.id, { at: this.t + ms, fn });
    return this.id;
  };
  clearTimeout = (h: unknown): void => {
    this.timers.delete(h as number);
  };
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      const next = [...this.timers.entries()].filter(([, x]) => x.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = target;
    await settle();
  }
}
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A process the test drives: ready(port), exit(...). */
interface FakeProcess extends FunctionProcess {
  becomeReady(port: number): void;
  exit(e: Partial<ProcessExit>): void;
  killedWith: string[];
}

function fakeProcess(clock: Clock): FakeProcess {
  let port: number | undefined;
  let readyAt: number | undefined;
  let hasExited = false;
  let expected = false;
  let resolveReady!: (p: number) => void;
  let rejectReady!: (e: Error) => void;
  let resolveExit!: (e: ProcessExit) => void;
  const ready = new Promise<number>((res, rej) => ((resolveReady = res), (rejectReady = rej)));
  ready.catch(() => {});
  const exited = new Promise<ProcessExit>((res) => (resolveExit = res));
  const killedWith: string[] = [];
  const exit = (e: Partial<ProcessExit>): void => {
    if (hasExited) return;
    hasExited = true;
    if (port === undefined) rejectReady(new Error('exited'));
    resolveExit({ code: 1, signal: null, oom: false, beforeReady: port === undefined, expected, ...e });
  };
  return {
    pid: 4242,
    get port() {
      return port;
    },
    startedAt: clock.now(),
    get readyAt() {
      return readyAt;
    },
    ready,
    exited,
    get hasExited() {
      return hasExited;
    },
    agent: new Agent({ keepAlive: false }),
    killedWith,
    becomeReady(p) {
      port = p;
      readyAt = clock.now();
      resolveReady(p);
    },
    exit,
    kill(isExpected) {
      expected ||= isExpected;
      killedWith.push('SIGKILL');
      exit({ signal: 'SIGKILL', code: null });
    },
    async stop() {
      expected = true;
      killedWith.push('SIGTERM');
      exit({ code: 0 });
      return exited;
    },
  };
}

const def = (over: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name: 'fn',
  image: 'fn:test',
  handlerPath: '/h/handler.ts',
  handlerDir: '/h',
  envVars: {},
  secrets: [],
  labels: {},
  annotations: {},
  execTimeoutMs: 1000,
  ...over,
});

const req = (path = '/') => ({ method: 'POST', path, headers: {}, body: Buffer.from('x') });

describe('supervisor (fake processes, fake clock)', () => {
  let clock: FakeClock;
  let procs: FakeProcess[];
  let restarts: string[];
  let available: boolean[];
  let sup: ProcessSupervisor;
  let server: Server | undefined;

  beforeEach(() => {
    clock = new FakeClock();
    procs = [];
    restarts = [];
    available = [];
    sup = createSupervisor({
      log: createLogger('test', { sink: () => {} }),
      clock,
      spawnSpec: () => ({ command: 'node', args: [], env: {}, cwd: '/' }),
      startProcess: () => {
        const p = fakeProcess(clock);
        procs.push(p);
        return p;
      },
      timings: { readyTimeoutMs: 5000, readyWaitMs: 2000, backoffInitialMs: 100, backoffMaxMs: 400, stableAfterMs: 10_000, shutdownTimeoutMs: 1000, crashGraceMs: 50 },
      events: { onRestart: (_n, r) => restarts.push(r), onAvailable: (_n, a) => available.push(a) },
    });
  });
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  /** A real loopback server standing in for the function's HTTP side. */
  async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return (server.address() as AddressInfo).port;
  }

  it('computes exponential back-off with a cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 10].map((n) => backoffMs(n, 250, 30_000)), [250, 500, 1000, 2000, 4000, 30_000]);
    assert.equal(backoffMs(0, 250, 30_000), 0);
  });

  it('restarts a process that fails to start with doubling delays capped at the maximum', async () => {
    const started = sup.startAll([def()]);
    const launchedAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await clock.advance(0);
      assert.equal(procs.length, i + 1, `launch ${i + 1}`);
      launchedAt.push(clock.t);
      procs[i]!.exit({ code: 1 });
      if (i === 0) await started;
      await clock.advance(i === 0 ? 100 : Math.min(400, 100 * 2 ** i));
    }
    assert.deepEqual(launchedAt, [0, 100, 300, 700, 1100]);
    assert.deepEqual(restarts, ['startup', 'startup', 'startup', 'startup', 'startup']);
    assert.equal(sup.get('fn')!.restarts, 5);
  });

  it('answers FUNCTION_UNAVAILABLE when the function is not ready within READY_WAIT', async () => {
    void sup.startAll([def()]);
    const pending = sup.invoke('fn', req());
    await clock.advance(1999);
    await clock.advance(1);
    const r = await pending;
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'FUNCTION_UNAVAILABLE');
  });

  it('holds requests during a (re)start and serves them once ready', async () => {
    const port = await upstream((_q, s) => s.end('served'));
    void sup.startAll([def()]);
    const pending = sup.invoke('fn', req());
    await clock.advance(500);
    procs[0]!.becomeReady(port);
    const r = await pending;
    assert.ok(r.ok);
    assert.equal(r.value.body.toString(), 'served');
    assert.deepEqual(available, [false, true]);
  });

  it('answers FUNCTION_CRASHED to in-flight requests when the process dies, then restarts it', async () => {
    const port = await upstream((q) => {
      procs[0]!.exit({ signal: 'SIGSEGV', code: null });
      q.socket.destroy();
    });
    const ready = sup.startAll([def()]);
    procs[0]!.becomeReady(port);
    await ready;
    const r = await sup.invoke('fn', req('/die'));
    assert.equal(!r.ok && r.error.code, 'FUNCTION_CRASHED');
    assert.deepEqual(restarts, ['crash']);
    assert.equal(sup.get('fn')!.availableReplicas, 0);
    await clock.advance(100);
    assert.equal(procs.length, 2);
    procs[1]!.becomeReady(port);
    await settle();
    assert.equal(sup.get('fn')!.availableReplicas, 1);
  });

  it('answers FUNCTION_TIMEOUT after exec_timeout and kills the process for a restart', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((r) => (arrived = r));
    const port = await upstream(() => arrived());
    const ready = sup.startAll([def({ execTimeoutMs: 300 })]);
    procs[0]!.becomeReady(port);
    await ready;
    const pending = sup.invoke('fn', req('/hang'));
    await arrival;
    await clock.advance(300);
    const r = await pending;
    assert.equal(!r.ok && r.error.code, 'FUNCTION_TIMEOUT');
    assert.deepEqual(procs[0]!.killedWith, ['SIGKILL']);
    assert.deepEqual(restarts, ['timeout']);
    await clock.advance(100);
    assert.equal(procs.length, 2, 'restarted after the back-off');
  });

  it('starts the back-off over once a process stayed up long enough', async () => {
    const ready = sup.startAll([def()]);
    procs[0]!.becomeReady(1);
    await ready;
    procs[0]!.exit({ code: 1 });
    await clock.advance(100); // failure 1 → 100ms
    procs[1]!.becomeReady(1);
    await settle();
    procs[1]!.exit({ code: 1 });
    await clock.advance(199);
    assert.equal(procs.length, 2, 'failure 2 waits 200ms');
    await clock.advance(1);
    assert.equal(procs.length, 3);
    procs[2]!.becomeReady(1);
    await clock.advance(10_000);
    procs[2]!.exit({ code: 1 });
    await clock.advance(100);
    assert.equal(procs.length, 4, 'after 10s up the next restart waits 100ms again');
  });

  it('scales to zero (stops, answers 503 at once) and back to one (starts)', async () => {
    const ready = sup.startAll([def()]);
    procs[0]!.becomeReady(1);
    await ready;
    assert.equal(await sup.scale('fn', 0), true);
    assert.deepEqual(procs[0]!.killedWith, ['SIGTERM']);
    assert.equal(sup.get('fn')!.replicas, 0);
    const r = await sup.invoke('fn', req());
    assert.equal(!r.ok && r.error.code, 'FUNCTION_UNAVAILABLE');
    assert.deepEqual(restarts, [], 'a requested stop is not a restart');
    await sup.scale('fn', 3);
    assert.equal(procs.length, 2);
    assert.equal(sup.get('fn')!.replicas, 1);
    assert.equal(await sup.scale('nope', 1), false);
  });

  it('cancels a pending restart when stopped, and redeploys under a new definition', async () => {
    void sup.startAll([def()]);
    procs[0]!.exit({ code: 1 });
    await settle();
    await sup.stopAll();
    await clock.advance(1000);
    assert.equal(procs.length, 1, 'no restart after stop');

    assert.equal(await sup.deploy(def({ image: 'fn:v2' })), 'updated');
    assert.equal(procs.length, 2);
    assert.equal(sup.get('fn')!.definition.image, 'fn:v2');
    assert.equal(await sup.deploy(def({ name: 'other' })), 'created');
    assert.deepEqual(sup.list().map((s) => s.definition.name), ['fn', 'other']);
    assert.equal(await sup.remove('other'), true);
    assert.equal(sup.get('other'), undefined);
  });

  it('answers FUNCTION_NOT_FOUND for an unknown name', async () => {
    const r = await sup.invoke('nope', req());
    assert.equal(!r.ok && r.error.code, 'FUNCTION_NOT_FOUND');
  });
});
