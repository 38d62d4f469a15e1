import { fail, type Logger, type Result } from '@typedcluster/core';
import { systemClock, type Clock } from './clock.js';
import type { FunctionDefinition } from './function-definition.js';
import { startFunctionProcess, type FunctionProcess, type FunctionProcessOptions } from './function-process.js';
import { FunctionSlot, type RestartReason, type SlotState, type SlotTimings } from './function-slot.js';
import { forwardLogLine } from './forward-log-line.js';
import type { UpstreamRequest, UpstreamResponse } from './forward-request.js';
import type { SpawnSpec } from './spawn-spec.js';

/** What the API shows about one deployed function. */
export interface FunctionSnapshot {
  readonly definition: FunctionDefinition;
  /** Desired: 1 while deployed and not scaled to zero. */
  readonly replicas: 0 | 1;
  /** 1 while its process is ready. */
  readonly availableReplicas: 0 | 1;
  readonly state: SlotState;
  readonly pid: number | undefined;
  readonly restarts: number;
  readonly createdAt: number;
  readonly lastExit: string | undefined;
}

/** The gateway's view of the function processes; the HTTP layer only sees this. */
export interface Supervisor {
  list(): FunctionSnapshot[];
  get(name: string): FunctionSnapshot | undefined;
  /** Starts a new function or restarts an existing one under the new definition; does not wait for ready. */
  deploy(def: FunctionDefinition): Promise<'created' | 'updated'>;
  remove(name: string): Promise<boolean>;
  scale(name: string, replicas: number): Promise<boolean>;
  invoke(name: string, req: UpstreamRequest): Promise<Result<UpstreamResponse>>;
  stopAll(): Promise<void>;
}

export interface SupervisorEvents {
  onRestart?(name: string, reason: RestartReason): void;
  onAvailable?(name: string, available: boolean): void;
}

export interface SupervisorOptions {
  readonly log: Logger;
  readonly spawnSpec: (def: FunctionDefinition) => SpawnSpec;
  readonly timings: Partial<SlotTimings> & Pick<SlotTimings, 'readyTimeoutMs' | 'readyWaitMs' | 'backoffMaxMs' | 'shutdownTimeoutMs'>;
  readonly clock?: Clock;
  readonly events?: SupervisorEvents;
  /** Replaces process spawning in tests. */
  readonly startProcess?: (spec: SpawnSpec, opts: FunctionProcessOptions) => FunctionProcess;
}

export interface ProcessSupervisor extends Supervisor {
  /** Starts every definition; resolves when each is ready or failed its first attempt. */
  startAll(defs: readonly FunctionDefinition[]): Promise<void>;
  /** Resolves true when the function is ready within `ms`. */
  waitReady(name: string, ms: number): Promise<boolean>;
}

export function createSupervisor(opts: SupervisorOptions): ProcessSupervisor {
  const clock = opts.clock ?? systemClock;
  const timings: SlotTimings = { backoffInitialMs: 250, stableAfterMs: 30_000, crashGraceMs: 250, ...opts.timings };
  const slots = new Map<string, FunctionSlot>();

  const newSlot = (def: FunctionDefinition): FunctionSlot => {
    const fnLog = opts.log.child(def.name);
    const slot = new FunctionSlot(def, {
      clock,
      log: fnLog,
      timings,
      spawnSpec: opts.spawnSpec,
      startProcess: opts.startProcess ?? startFunctionProcess,
      onLine: (line, stream) => forwardLogLine(fnLog, def.name, line, stream),
      onRestart: (reason) => opts.events?.onRestart?.(def.name, reason),
      onAvailable: (available) => opts.events?.onAvailable?.(def.name, available),
    });
    slots.set(def.name, slot);
    opts.events?.onAvailable?.(def.name, false);
    return slot;
  };

  const snapshot = (s: FunctionSlot): FunctionSnapshot => ({
    definition: s.definition,
    replicas: s.replicas,
    availableReplicas: s.state === 'ready' ? 1 : 0,
    state: s.state,
    pid: s.pid,
    restarts: s.restarts,
    createdAt: s.createdAt,
    lastExit: s.lastExit,
  });

  return {
    list: () => [...slots.values()].map(snapshot),
    get: (name) => {
      const s = slots.get(name);
      return s ? snapshot(s) : undefined;
    },
    async startAll(defs) {
      await Promise.all(defs.map((d) => (slots.get(d.name) ?? newSlot(d)).start()));
    },
    async deploy(def) {
      const existing = slots.get(def.name);
      if (existing) {
        await existing.redeploy(def);
        return 'updated';
      }
      void newSlot(def).start();
      return 'created';
    },
    async remove(name) {
      const s = slots.get(name);
      if (!s) return false;
      slots.delete(name);
      await s.scale(0);
      return true;
    },
    async scale(name, replicas) {
      const s = slots.get(name);
      if (!s) return false;
      await s.scale(replicas);
      return true;
    },
    invoke(name, req) {
      const s = slots.get(name);
      return s ? s.invoke(req) : Promise.resolve(fail('FUNCTION_NOT_FOUND', `no function named "${name}" is deployed`));
    },
    waitReady(name, ms) {
      return slots.get(name)?.waitReady(ms) ?? Promise.resolve(false);
    },
    async stopAll() {
      await Promise.all([...slots.values()].map((s) => s.scale(0)));
    },
  };
}
