import { fail, ok, type Logger, type Result } from '@typedcluster/core';
import { backoffMs, sleep, type Clock } from './clock.js';
import type { FunctionDefinition } from './function-definition.js';
import type { FunctionProcess, FunctionProcessOptions, ProcessExit } from './function-process.js';
import { forwardRequest, type UpstreamRequest, type UpstreamResponse } from './forward-request.js';
import type { SpawnSpec } from './spawn-spec.js';

export type RestartReason = 'crash' | 'oom' | 'timeout' | 'startup' | 'deploy';
export type SlotState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface SlotTimings {
  readonly readyTimeoutMs: number;
  readonly readyWaitMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Up this long, a process's next crash starts the back-off from the beginning. */
  readonly stableAfterMs: number;
  readonly shutdownTimeoutMs: number;
  /** After a connection error, how long to wait for the exit that explains it. */
  readonly crashGraceMs: number;
}

export interface SlotDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly timings: SlotTimings;
  readonly spawnSpec: (def: FunctionDefinition) => SpawnSpec;
  readonly startProcess: (spec: SpawnSpec, opts: FunctionProcessOptions) => FunctionProcess;
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly onRestart: (reason: RestartReason) => void;
  readonly onAvailable: (available: boolean) => void;
}

/**
 * One function's process lifecycle: start, wait for ready, forward with an
 * exec timeout, restart with exponential back-off after a crash, stop.
 * Requests that arrive while it (re)starts wait up to READY_WAIT.
 */
export class FunctionSlot {
  state: SlotState = 'stopped';
  replicas: 0 | 1 = 0;
  restarts = 0;
  lastExit: string | undefined;
  readonly createdAt: number;
  private proc: FunctionProcess | undefined;
  private failures = 0;
  private backoffTimer: unknown;
  private readonly waiters = new Set<(ready: boolean) => void>();
  private readonly inFlight = new Map<AbortController, FunctionProcess>();
  private readonly killedFor = new WeakMap<FunctionProcess, RestartReason>();

  constructor(
    public definition: FunctionDefinition,
    private readonly deps: SlotDeps,
  ) {
    this.createdAt = deps.clock.now();
  }

  get name(): string {
    return this.definition.name;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the process; resolves true once ready, false when the first attempt failed. */
  start(): Promise<boolean> {
    this.replicas = 1;
    if (this.proc) return this.proc.ready.then(() => true, () => false);
    this.failures = 0;
    return this.launch().ready.then(() => true, () => false);
  }

  /** Replaces the definition and restarts the process under it. */
  async redeploy(def: FunctionDefinition): Promise<void> {
    const wasRunning = this.proc !== undefined;
    this.definition = def;
    await this.stop();
    if (wasRunning) this.countRestart('deploy');
    void this.start();
  }

  async scale(replicas: number): Promise<void> {
    if (replicas <= 0) {
      this.replicas = 0;
      await this.stop();
    } else if (this.state === 'stopped') {
      void this.start();
    }
  }

  /** Graceful: SIGTERM lets the bootstrap drain; SIGKILL after SHUTDOWN_TIMEOUT. */
  async stop(): Promise<void> {
    this.deps.clock.clearTimeout(this.backoffTimer);
    const proc = this.proc;
    this.proc = undefined;
    this.setState('stopped');
    this.flushWaiters(false);
    if (proc) await proc.stop(this.deps.timings.shutdownTimeoutMs);
  }

  async invoke(req: UpstreamRequest): Promise<Result<UpstreamResponse>> {
    const { clock, timings } = this.deps;
    if (this.replicas === 0) {
      return fail('FUNCTION_UNAVAILABLE', `${this.name} is scaled to zero; POST /system/scale-function/${this.name} with {"replicas":1}`);
    }
    if (this.state !== 'ready' && !(await this.waitReady(timings.readyWaitMs))) {
      return fail('FUNCTION_UNAVAILABLE', `${this.name} is not ready after ${timings.readyWaitMs}ms (${this.state}); retry shortly`);
    }
    const proc = this.proc;
    if (!proc || proc.port === undefined) return fail('FUNCTION_UNAVAILABLE', `${this.name} is not running; retry shortly`);
    const ac = new AbortController();
    this.inFlight.set(ac, proc);
    const timeoutMs = this.definition.execTimeoutMs;
    const timer = clock.setTimeout(() => {
      ac.abort('timeout');
      this.killFor(proc, 'timeout', `exec timeout ${timeoutMs}ms passed`);
    }, timeoutMs);
    try {
      return ok(await forwardRequest(proc.agent, proc.port, req, ac.signal));
    } catch (e) {
      if (ac.signal.reason === 'timeout') return fail('FUNCTION_TIMEOUT', `${this.name} did not answer within ${timeoutMs}ms; it was restarted`);
      // A reset connection can arrive before the exit event that explains it.
      const exited = ac.signal.reason === 'crashed' || (await Promise.race([proc.exited.then(() => true), sleep(clock, timings.crashGraceMs).then(() => false)]));
      if (exited) return fail('FUNCTION_CRASHED', `${this.name} exited during the request${this.lastExit ? ` (${this.lastExit})` : ''}`);
      return fail('UPSTREAM_FAILED', `${this.name}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clock.clearTimeout(timer);
      this.inFlight.delete(ac);
    }
  }

  /** True once ready; false after `ms`, or at once when it is stopped. */
  waitReady(ms: number): Promise<boolean> {
    if (this.state === 'ready') return Promise.resolve(true);
    if (this.replicas === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = (ready: boolean): void => {
        this.deps.clock.clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(ready);
      };
      const timer = this.deps.clock.setTimeout(() => waiter(false), ms);
      this.waiters.add(waiter);
    });
  }

  private launch(): FunctionProcess {
    const { deps } = this;
    this.setState(this.state === 'restarting' ? 'restarting' : 'starting');
    const proc = deps.startProcess(deps.spawnSpec(this.definition), {
      clock: deps.clock,
      readyTimeoutMs: deps.timings.readyTimeoutMs,
      onLine: deps.onLine,
    });
    this.proc = proc;
    proc.ready.then(
      (port) => {
        if (this.proc !== proc) return;
        deps.log.info('ready', { pid: proc.pid, port, ms: deps.clock.now() - proc.startedAt });
        this.setState('ready');
        this.flushWaiters(true);
      },
      () => {},
    );
    void proc.exited.then((exit) => this.onExit(proc, exit));
    return proc;
  }

  private onExit(proc: FunctionProcess, exit: ProcessExit): void {
    for (const [ac, p] of this.inFlight) if (p === proc && !ac.signal.aborted) ac.abort('crashed');
    const killedFor = this.killedFor.get(proc);
    const reason: RestartReason = killedFor ?? (exit.oom ? 'oom' : exit.beforeReady ? 'startup' : 'crash');
    this.lastExit = `${reason}: ${exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`}`;
    if (this.proc !== proc || (exit.expected && killedFor === undefined)) return;
    this.proc = undefined;
    const { clock, timings, log } = this.deps;
    const upMs = proc.readyAt === undefined ? 0 : clock.now() - proc.readyAt;
    if (upMs >= timings.stableAfterMs) this.failures = 0;
    this.failures += 1;
    const delay = backoffMs(this.failures, timings.backoffInitialMs, timings.backoffMaxMs);
    log.warn(`process ${proc.pid} stopped (${this.lastExit}); restarting in ${delay}ms`, { reason, failures: this.failures });
    this.countRestart(reason);
    this.setState('restarting');
    this.backoffTimer = clock.setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.replicas === 1 && this.state === 'restarting' && !this.proc) this.launch();
    }, delay);
  }

  private killFor(proc: FunctionProcess, reason: RestartReason, why: string): void {
    if (proc.hasExited || this.proc !== proc || this.killedFor.has(proc)) return;
    this.deps.log.warn(`${why}; killing process ${proc.pid}`);
    this.killedFor.set(proc, reason);
    this.setState('restarting');
    proc.kill(false);
  }

  private countRestart(reason: RestartReason): void {
    this.restarts += 1;
    this.deps.onRestart(reason);
  }

  private setState(next: SlotState): void {
    const was = this.state;
    this.state = next;
    if ((was === 'ready') !== (next === 'ready')) this.deps.onAvailable(next === 'ready');
  }

  private flushWaiters(ready: boolean): void {
    for (const w of [...this.waiters]) w(ready);
  }
}
