import { StartupError } from '../errors/startup-error.js';
import type { AnomalyLabel } from './anomaly.js';
import type { HistoricalRow } from './historical-row.js';
import type { RealTimeRun, SimTimers } from './real-time.js';
import type { CycleSample } from './sample-source.js';

export interface ReplayOptions {
  /** A data set's rows in file order (readHistoricalRows over listHistoricalFiles). */
  readonly rows: AsyncIterable<HistoricalRow>;
  /** Simulated seconds per wall-clock second (> 0). */
  readonly speed: number;
  /** Takes each cycle, in the order cycles end; the next waits for the returned promise. */
  readonly emit: (plc: number, sample: CycleSample) => void | Promise<void>;
  readonly now?: () => number;
  readonly timers?: SimTimers;
  /** A failed emit or a bad file; default: rethrown asynchronously. */
  readonly onError?: (e: unknown) => void;
}

const realTimers: SimTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Replays a historical data set as the real-time mode's cycles: the 5 rows
 * of a PLC's cycle become one CycleSample (phases in slot order, values as
 * float32 on the wire; cycleStart = its first row's timestamp; cycle = the
 * file's counter), sent when the cycle has ended, `speed` times as fast as
 * the file's clock. A silent cycle (null values) is marked `silent`, so
 * nothing is sent for it. Labels are rebuilt from the rows (episode 0;
 * step 0 on the first cycle of a run of one kind). Streams: holds at most
 * one unfinished cycle per PLC.
 */
export function startReplay(o: ReplayOptions): RealTimeRun {
  if (!(Number.isFinite(o.speed) && o.speed > 0)) throw new StartupError('CONFIG_INVALID', `speed ${o.speed} must be a number > 0`, 'use 1 for the file\'s own pace, more to compress time');
  const now = o.now ?? Date.now;
  const timers = o.timers ?? realTimers;
  const onError = o.onError ?? ((e: unknown) => void Promise.reject(e));
  const wallStart = now();
  let simStart: number | undefined;
  let simNow: number | undefined;
  let slots = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: unknown;

  const sleepUntil = (wall: number) =>
    new Promise<void>((resolve) => {
      const ms = wall - now();
      if (ms <= 0 || stopped) return resolve();
      wake = resolve;
      timer = timers.setTimeout(() => {
        timer = undefined;
        wake = undefined;
        resolve();
      }, ms);
    });

  const pending = new Map<number, HistoricalRow[]>();
  const lastKind = new Map<number, string | null>();
  const toSample = (rows: HistoricalRow[]): CycleSample => {
    const first = rows[0]!;
    const cycleStart = Date.parse(first.timestamp);
    const silent = rows.some((r) => [r.s1, r.s2, r.s3, r.s4, r.s5].some((v) => v === null));
    const kinds = rows.find((r) => r.anomaly_type !== null);
    const anomalies: AnomalyLabel[] = [];
    if (kinds?.anomaly_type) {
      const sensor = kinds.anomaly_sensors[0];
      anomalies.push({ kind: kinds.anomaly_type, episode: 0, magnitude: 0, step: lastKind.get(first.plc) === kinds.anomaly_type ? 1 : 0, length: 1, ...(sensor ? { sensor: Number(sensor.slice(1)) - 1 } : {}) });
    }
    lastKind.set(first.plc, kinds?.anomaly_type ?? null);
    return {
      kind: 'cycle',
      cycleStart,
      cycle: first.cycle >>> 0,
      phases: rows.map((r) => [r.s1 ?? NaN, r.s2 ?? NaN, r.s3 ?? NaN, r.s4 ?? NaN, r.s5 ?? NaN]),
      anomalies,
      ...(silent ? { silent: true as const } : {}),
    };
  };

  const done = (async () => {
    try {
      for await (const row of o.rows) {
        if (stopped) break;
        const rows = pending.get(row.plc) ?? [];
        if (rows.length && rows[0]!.cycle !== row.cycle) {
          throw new StartupError('DATASET_INVALID', `PLC ${row.plc} cycle ${rows[0]!.cycle} has ${rows.length} rows, not 5, before cycle ${row.cycle}`, 'replay a file written by "typedcluster sim historical"');
        }
        rows.push(row);
        pending.set(row.plc, rows);
        if (rows.length < 5) continue;
        pending.delete(row.plc);
        const last = rows[4]!;
        const end = Date.parse(last.timestamp) + Math.round(last.duration_s * 1000);
        simStart ??= end;
        await sleepUntil(wallStart + (end - simStart) / o.speed);
        if (stopped) break;
        simNow = end;
        try {
          await o.emit(row.plc, toSample(rows));
        } catch (e) {
          onError(e);
        }
        slots++;
      }
    } catch (e) {
      onError(e);
    }
  })();

  return {
    simTime: () => (simStart === undefined ? NaN : Math.max(simNow ?? simStart, simStart + (now() - wallStart) * o.speed)),
    get slots() {
      return slots;
    },
    done,
    async stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      wake?.();
      await done;
    },
  };
}
