import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Clock } from './clock.js';
import type { SpawnSpec } from './spawn-spec.js';

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** V8 reported "heap out of memory" before it died. */
  readonly oom: boolean;
  /** It never reported ready (setup failed, or READY_TIMEOUT passed). */
  readonly beforeReady: boolean;
  /** The gateway stopped or killed it on purpose. */
  readonly expected: boolean;
}

/** One running child: `node … template/typescript-node/index.ts` for one function. */
export interface FunctionProcess {
  readonly pid: number | undefined;
  /** Set once the bootstrap reported `{type:'ready', port}`. */
  readonly port: number | undefined;
  readonly startedAt: number;
  readonly readyAt: number | undefined;
  /** Resolves with the port; rejects when the process exits or times out first. */
  readonly ready: Promise<number>;
  readonly exited: Promise<ProcessExit>;
  readonly hasExited: boolean;
  /** Keep-alive connections to this process only. */
  readonly agent: Agent;
  /** SIGKILL now (exec timeout, hang); the exit counts as expected only when `expected`. */
  kill(expected: boolean): void;
  /** SIGTERM (drain + teardown in the bootstrap), SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<ProcessExit>;
}

export interface FunctionProcessOptions {
  readonly clock: Clock;
  readonly readyTimeoutMs: number;
  /** Every stdout/stderr line of the child. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
}

const OOM_LINE = /heap out of memory|Reached heap limit/i;

export function startFunctionProcess(spec: SpawnSpec, opts: FunctionProcessOptions): FunctionProcess {
  const { clock } = opts;
  const child = spawn(spec.command, [...spec.args], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
    // Own process group: a Ctrl-C on the gateway's terminal must not reach the
    // functions before the gateway drains and stops them itself.
    detached: true,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });
  let port: number | undefined;
  let readyAt: number | undefined;
  let oom = false;
  let expected = false;
  let hasExited = false;
  let resolveReady!: (port: number) => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<number>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {});

  const pipeLines = (stream: Readable | null, name: 'stdout' | 'stderr'): void => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (OOM_LINE.test(line)) oom = true;
      opts.onLine(line, name);
    });
  };
  pipeLines(child.stdout, 'stdout');
  pipeLines(child.stderr, 'stderr');

  const readyTimer = clock.setTimeout(() => {
    if (port !== undefined || hasExited) return;
    opts.onLine(`not ready after ${opts.readyTimeoutMs}ms; killing it`, 'stderr');
    child.kill('SIGKILL');
  }, opts.readyTimeoutMs);

  child.on('message', (msg: unknown) => {
    const m = msg as { type?: unknown; port?: unknown } | null;
    if (port === undefined && m?.type === 'ready' && typeof m.port === 'number') {
      port = m.port;
      readyAt = clock.now();
      clock.clearTimeout(readyTimer);
      resolveReady(port);
    }
  });

  const exited = new Promise<ProcessExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (hasExited) return;
      hasExited = true;
      clock.clearTimeout(readyTimer);
      agent.destroy();
      const beforeReady = port === undefined;
      if (beforeReady) rejectReady(new Error(`exited before ready (code ${code}, signal ${signal})`));
      // Let the readline interfaces flush the last lines (the OOM message) first.
      setImmediate(() => resolve({ code, signal, oom, beforeReady, expected }));
    };
    child.once('exit', done);
    child.once('error', (e) => {
      opts.onLine(`cannot start: ${e.message}`, 'stderr');
      done(null, null);
    });
  });

  const proc: FunctionProcess = {
    get pid() {
      return child.pid;
    },
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
    agent,
    kill(isExpected) {
      if (isExpected) expected = true;
      if (!hasExited) child.kill('SIGKILL');
    },
    async stop(graceMs) {
      expected = true;
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = clock.setTimeout(() => child.kill('SIGKILL'), graceMs);
        void exited.then(() => clock.clearTimeout(timer));
      }
      return exited;
    },
  };
  return proc;
}
