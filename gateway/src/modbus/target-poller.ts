import { decodePlcImage, PLC_REGISTER_COUNT, type CycleInput, type Logger } from '@typedcluster/core';
import { backoffMs, systemClock, type Clock } from '../runtime/clock.js';
import { createCycleTracker } from './cycle-tracker.js';
import type { ModbusTarget } from './modbus-config.js';
import type { ModbusMetrics } from './modbus-metrics.js';
import type { RegisterReader } from './modbus-reader.js';

export interface TargetPollerOptions {
  readonly target: ModbusTarget;
  readonly reader: RegisterReader;
  readonly pollMs: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  readonly maxAbsValue: number;
  readonly metrics: ModbusMetrics;
  readonly log: Logger;
  /** Garbage reports, rate-limited by key (createRateLimitedLog). */
  readonly warn: (key: string, msg: string, fields?: Record<string, unknown>) => void;
  /** Takes a completed cycle into the pipeline; a rejection means it was refused (outbox full) and is counted. */
  readonly onCycle: (cycle: CycleInput) => Promise<void>;
  readonly clock?: Clock;
}

export type TargetState = 'starting' | 'up' | 'down';

export interface TargetPoller {
  readonly state: TargetState;
  readonly stats: { readonly polls: number; readonly sealed: number; readonly rejected: number; readonly outages: number };
  stop(): Promise<void>;
}

/**
 * Polls one PLC every `pollMs`: one read of the whole register map, decoded
 * and judged (docs/modbus.md §4, §5). Garbage is reported by reason and
 * never sealed. A PLC that stops answering is reported once (log, the
 * `typedcluster_modbus_up` gauge, an outage count), retried with back-off,
 * and reported again when it answers; polling then resumes.
 */
export function startTargetPoller(o: TargetPollerOptions): TargetPoller {
  const clock = o.clock ?? systemClock;
  const name = o.target.name;
  const where = `${o.target.host}:${o.target.port}/${o.target.unitId}`;
  const tracker = createCycleTracker();
  const stats = { polls: 0, sealed: 0, rejected: 0, outages: 0 };
  let state: TargetState = 'starting';
  let failures = 0;
  let downSince = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: unknown;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = clock.setTimeout(resolve, ms);
    });

  const garbage = (code: string, message: string, at?: unknown) => {
    stats.rejected++;
    o.metrics.poll(name, 'garbage');
    o.metrics.rejected(name, code);
    o.warn(`${name}-${code}`, `PLC ${name} answered garbage, not trusted: ${code}: ${message}`, { target: name, code, ...(at === undefined ? {} : { at }) });
  };

  async function pollOnce(): Promise<boolean> {
    const r = await o.reader.readInputRegisters(0, PLC_REGISTER_COUNT);
    stats.polls++;
    if (!r.ok && r.error.code === 'MODBUS_UNREACHABLE') {
      o.metrics.poll(name, 'unreachable');
      if (state !== 'down') {
        stats.outages++;
        downSince = clock.now();
        o.metrics.outage(name);
        o.metrics.setUp(name, false);
        o.log.warn(`PLC ${name} at ${where} is not answering; retrying with back-off`, { target: name, error: r.error.message });
      }
      state = 'down';
      return false;
    }
    if (state === 'down') o.log.info(`PLC ${name} at ${where} answers again; polling resumes`, { target: name, downSeconds: Math.round((clock.now() - downSince) / 1000) });
    else if (state === 'starting') o.log.info(`polling PLC ${name} at ${where} every ${o.pollMs} ms`, { target: name });
    state = 'up';
    o.metrics.setUp(name, true);
    if (!r.ok) {
      garbage(r.error.code, r.error.message, r.error.at);
      return true;
    }
    const image = decodePlcImage(r.value, { maxAbsValue: o.maxAbsValue });
    if (!image.ok) {
      garbage(image.error.code, image.error.message, image.error.at);
      return true;
    }
    const seen = tracker.observe(image.value, r.value);
    if (!seen.ok) {
      garbage(seen.error.code, seen.error.message, seen.error.at);
      return true;
    }
    o.metrics.poll(name, 'ok');
    if (seen.value.kind !== 'cycle') return true;
    if (seen.value.missed > 0) {
      o.metrics.cycles(name, 'missed', seen.value.missed);
      o.log.warn(`PLC ${name}: ${seen.value.missed} completed cycles were never seen (poll slower than a cycle, or the PLC was away)`, { target: name, missed: seen.value.missed });
    }
    try {
      await o.onCycle(seen.value.cycle);
      stats.sealed++;
      o.metrics.cycles(name, 'sealed');
    } catch (e) {
      o.metrics.cycles(name, 'refused');
      o.log.error(`PLC ${name}: cycle ${seen.value.cycle.cycle} REFUSED, NOT SENT: ${(e as Error).message}`, { target: name });
    }
    return true;
  }

  const loop = (async () => {
    while (!stopped) {
      const t0 = clock.now();
      let answered: boolean;
      try {
        answered = await pollOnce();
      } catch (e) {
        // A bug, not the PLC: keep polling, loudly.
        o.log.error(`PLC ${name}: poll failed`, { target: name, error: e as Error });
        answered = false;
      }
      if (stopped) break;
      failures = answered ? 0 : failures + 1;
      await sleep(answered ? Math.max(0, o.pollMs - (clock.now() - t0)) : backoffMs(failures, o.retryBackoffMs, o.retryBackoffMaxMs));
    }
  })();

  return {
    get state() {
      return state;
    },
    stats,
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      wake?.();
      await loop;
      await o.reader.close();
    },
  };
}
