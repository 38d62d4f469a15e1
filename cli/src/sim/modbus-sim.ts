import { createSampleSource, StartupError, type CycleSample, type SimTimers } from '@typedcluster/core';
import { createPlcModel, type PlcModel } from './modbus-plc-model.js';
import { startPlcServer, type PlcServer } from './modbus-plc-server.js';

export interface ModbusSimOptions {
  readonly plcs: number;
  /** Address the servers listen on. */
  readonly host: string;
  /** PLC i (1-based) listens on basePort + i - 1. */
  readonly basePort: number;
  readonly temperature: number;
  readonly speed: number;
  readonly seed: number;
  /** Simulated time at start; default now(). */
  readonly startTime?: number;
  readonly now?: () => number;
  readonly timers?: SimTimers;
  /** Sees every cycle as it is latched (tests, labels). */
  readonly onCycle?: (plc: number, sample: CycleSample) => void;
}

export interface ModbusSimStats {
  readonly plcs: number;
  readonly cycles: number;
  readonly anomalies: number;
  readonly requests: number;
}

export interface ModbusSim {
  readonly ports: readonly number[];
  readonly stats: ModbusSimStats;
  simTime(): number;
  stop(): Promise<void>;
}

const realTimers: SimTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Simulated PLCs as Modbus TCP servers (docs/modbus.md §1): PLC i on port
 * basePort + i - 1, its registers following its cycle in simulated time,
 * `speed` times as fast as the wall clock. PLC i draws the values `typedcluster
 * sim` gives device i for the same seed. A slow machine updates late, never
 * skips a cycle's values.
 */
export async function startModbusSim(o: ModbusSimOptions): Promise<ModbusSim> {
  if (!(Number.isInteger(o.basePort) && o.basePort >= 1 && o.basePort + o.plcs - 1 <= 65535)) {
    throw new StartupError('CONFIG_INVALID', `Modbus ports ${o.basePort}..${o.basePort + o.plcs - 1} are not all in 1..65535`, 'pick a lower --modbus-port');
  }
  const now = o.now ?? Date.now;
  const timers = o.timers ?? realTimers;
  const wallStart = now();
  const simStart = o.startTime ?? wallStart;
  const simTime = () => simStart + (now() - wallStart) * o.speed;
  const models: PlcModel[] = Array.from({ length: o.plcs }, (_, i) =>
    createPlcModel(createSampleSource({ seed: o.seed, index: i, stream: 'cycle', temperature: o.temperature }), simStart, (s) => o.onCycle?.(i, s)),
  );
  const servers: PlcServer[] = [];
  try {
    for (const [i, m] of models.entries()) servers.push(await startPlcServer({ host: o.host, port: o.basePort + i, registers: () => m.words }));
  } catch (e) {
    await Promise.all(servers.map((s) => s.close()));
    throw e;
  }

  let stopped = false;
  let timer: unknown;
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const t = simTime();
    for (const m of models) m.advanceTo(t);
    const next = Math.min(...models.map((m) => m.nextBoundary));
    timer = timers.setTimeout(tick, Math.max(1, wallStart + (next - simStart) / o.speed - now()));
  };
  tick();

  return {
    ports: servers.map((s) => s.port),
    get stats() {
      return {
        plcs: models.length,
        cycles: models.reduce((n, m) => n + m.cycles, 0),
        anomalies: models.reduce((n, m) => n + m.anomalies, 0),
        requests: servers.reduce((n, s) => n + s.requests, 0),
      };
    },
    simTime,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
