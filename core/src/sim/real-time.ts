import { StartupError } from '../errors/startup-error.js';
import type { PhaseModel } from '../phase-model/phase-model-types.js';
import type { AnomalyKind } from './anomaly.js';
import { CYCLE_MS, READING_MS, createSampleSource } from './sample-source.js';
import type { SimSample, SimStream } from './sample-source.js';

export interface SimTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RealTimeOptions {
  /** Simulated devices (PLCs or sensors), ≥ 1. */
  readonly devices: number;
  readonly stream: SimStream;
  /** 0 (no anomalies) … 1. */
  readonly temperature: number;
  /** Simulated seconds per wall-clock second (> 0): 10 sends a 30 s cycle every 3 s. */
  readonly speed: number;
  readonly seed: number;
  /** Stop after this many samples per device (cycles or readings); default: run until stopped. */
  readonly cycles?: number;
  /** Simulated time at start, ms since the epoch; default now(). */
  readonly startTime?: number;
  readonly kinds?: readonly AnomalyKind[];
  /** The PLCs' phase model (cycle stream); default TYPICAL_MODEL. */
  readonly model?: PhaseModel;
  /** Wall clock, ms. */
  readonly now?: () => number;
  readonly timers?: SimTimers;
  /**
   * Takes each sample. Slots are emitted one after another, every device's
   * sample of a slot together; the next slot waits for the returned promises.
   */
  readonly emit: (device: number, sample: SimSample) => void | Promise<void>;
  /** An emit that threw or rejected; the run goes on. Default: rethrown asynchronously. */
  readonly onError?: (e: unknown) => void;
}

export interface RealTimeRun {
  /** Simulated time now, ms since the epoch. */
  simTime(): number;
  /** Slots emitted so far (each is one sample per device). */
  readonly slots: number;
  /** Resolves once `cycles` slots are emitted, or when stopped. */
  readonly done: Promise<void>;
  /** Stops after the slot being emitted, if any. */
  stop(): Promise<void>;
}

const realTimers: SimTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The real-time scheduler. Simulated time runs `speed` times as fast as
 * the wall clock from `startTime`. Cycles sit on the 30 s grid: a cycle is
 * sent when it has ended, starting with the last cycle completed before
 * `startTime` (sent at once); readings sit on the 1 s grid, the first at
 * `startTime` rounded down. A slow machine sends late, never skips: every
 * slot is emitted, in order.
 *
 * Throws StartupError (CONFIG_INVALID) for options out of range.
 */
export function startRealTime(o: RealTimeOptions): RealTimeRun {
  if (!Number.isInteger(o.devices) || o.devices < 1) throw new StartupError('CONFIG_INVALID', `devices ${o.devices} must be an integer ≥ 1`, 'simulate at least one device');
  if (!(Number.isFinite(o.speed) && o.speed > 0)) throw new StartupError('CONFIG_INVALID', `speed ${o.speed} must be a number > 0`, 'use 1 for real time, more to compress time');
  if (o.cycles !== undefined && !(Number.isInteger(o.cycles) && o.cycles >= 1)) throw new StartupError('CONFIG_INVALID', `cycles ${o.cycles} must be an integer ≥ 1`, 'leave it out to run until stopped');
  const now = o.now ?? Date.now;
  const timers = o.timers ?? realTimers;
  const onError = o.onError ?? ((e: unknown) => void Promise.reject(e));
  const sources = Array.from({ length: o.devices }, (_, index) =>
    createSampleSource({ seed: o.seed, index, stream: o.stream, temperature: o.temperature, ...(o.kinds ? { kinds: o.kinds } : {}), ...(o.model ? { model: o.model } : {}) }),
  );
  const interval = o.stream === 'cycle' ? CYCLE_MS : READING_MS;
  const wallStart = now();
  const simStart = o.startTime ?? wallStart;
  const grid = Math.floor(simStart / interval) * interval;
  // Slot k's sample time, and the simulated time at which it is sent.
  const slotTime = (k: number) => (o.stream === 'cycle' ? grid - interval : grid) + k * interval;
  const sendAt = (k: number) => (o.stream === 'cycle' ? slotTime(k) + interval : slotTime(k));
  const wallDue = (k: number) => wallStart + (sendAt(k) - simStart) / o.speed;

  let k = 0;
  let stopped = false;
  let timer: unknown;
  let running: Promise<void> | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));

  async function emitSlot(slot: number): Promise<void> {
    const time = slotTime(slot);
    await Promise.all(
      sources.map(async (src, device) => {
        try {
          await o.emit(device, src.next(time));
        } catch (e) {
          onError(e);
        }
      }),
    );
  }

  function schedule(): void {
    if (stopped) return;
    if (o.cycles !== undefined && k >= o.cycles) {
      finish();
      return;
    }
    timer = timers.setTimeout(tick, Math.max(0, wallDue(k) - now()));
  }

  function tick(): void {
    timer = undefined;
    if (stopped) return;
    running = (async () => {
      if (wallDue(k) <= now()) {
        await emitSlot(k);
        k++;
      }
    })();
    void running.then(() => {
      running = undefined;
      schedule();
    });
  }

  schedule();
  return {
    simTime: () => simStart + (now() - wallStart) * o.speed,
    get slots() {
      return k;
    },
    done,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await running;
      finish();
    },
  };
}
