import { READING_MODEL, type Logger, type PhaseModel } from '@typedcluster/core';
import type { Alert } from './alert.js';
import type { AlertMetrics } from './alert-metrics.js';
import type { AlertSink } from './alert-sinks.js';
import { admitRows, initialState, loadState, saveState, windowStart, type AlertState } from './alert-state.js';
import { anomalyAlerts } from './anomaly-alerts.js';
import { SOURCE_NAMES, SOURCES, type AnomalyReportRow, type CyclePhaseRow, type ReadingRow, type SourceName, type SourceRows } from './api-rows.js';
import { cycleChecks, rangeAlerts, readingChecks } from './range-alerts.js';
import type { ApiFailure, ReadResult } from './rest-reader.js';

export interface AlertPollerOptions {
  readonly read: <R>(source: SourceName, sinceMs: number) => Promise<ReadResult<R>>;
  readonly sinks: readonly AlertSink[];
  readonly statePath: string;
  /** ranges[sensor][phase] of the cycle sensors s1…s5. */
  readonly model: PhaseModel;
  readonly readingModel?: PhaseModel;
  readonly intervalMs: number;
  /** How far behind its cursor each poll re-reads, for rows that commit late. */
  readonly overlapMs: number;
  readonly maxBackoffMs?: number;
  readonly now: () => number;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log: Logger;
  readonly metrics?: AlertMetrics;
}

export interface AlertPoller {
  /** One poll: read, alert, save, deliver. False when the API could not be read. */
  pollOnce(): Promise<boolean>;
  /** Polls until `signal` aborts, backing off while the API fails. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The alert client's loop (cli/src/alerts/README.md has the guarantee).
 * Order inside a poll: read every view → compute alerts → save cursor and
 * pending alerts together → deliver to each sink → save again. A crash
 * before the first save re-reads the same rows (the cursor did not move);
 * a crash after it delivers the pending alerts on restart; only a crash
 * between a sink taking an alert and the second save repeats that alert,
 * with the same id.
 */
export async function createAlertPoller(o: AlertPollerOptions): Promise<AlertPoller> {
  const state: AlertState = (await loadState(o.statePath)) ?? initialState(o.now());
  const readingModel = o.readingModel ?? READING_MODEL;
  let lastFailure: string | undefined;
  const sinkTrouble = new Map<string, string>();

  async function readAll(): Promise<{ ok: true; rows: SourceRows } | { ok: false; error: ApiFailure }> {
    const rows: Partial<SourceRows> = {};
    for (const name of SOURCE_NAMES) {
      const r = await o.read<never>(name, windowStart(state, name, o.overlapMs));
      if (!r.ok) return r;
      (rows as Record<SourceName, unknown[]>)[name] = r.rows;
    }
    return { ok: true, rows: rows as SourceRows };
  }

  async function pollOnce(): Promise<boolean> {
    const read = await readAll();
    if (!read.ok) {
      o.metrics?.pollFailed(read.error.code);
      if (lastFailure !== read.error.message) o.log.warn(`${read.error.code}: ${read.error.message}; retrying`);
      lastFailure = read.error.message;
      await drain(); // sinks may have recovered even while the API is away
      return false;
    }
    if (lastFailure !== undefined) o.log.info('REST API answers again; resuming from the saved cursor');
    lastFailure = undefined;
    const admit = <R>(name: SourceName, rows: R[]) =>
      admitRows(state, name, rows, SOURCES[name].key as (r: R) => string, (r) => (r as Record<string, string>)[SOURCES[name].time] ?? '', o.overlapMs);
    const cycles = admit<CyclePhaseRow>('cycle_phases', read.rows.cycle_phases);
    const readings = admit<ReadingRow>('readings', read.rows.readings);
    const reports = admit<AnomalyReportRow>('anomaly_reports', read.rows.anomaly_reports);
    const alerts: Alert[] = [
      ...rangeAlerts([...cycleChecks(cycles, o.model), ...readingChecks(readings, readingModel)], state.sensors),
      ...anomalyAlerts(reports),
    ];
    for (const a of alerts) o.metrics?.raised(a.kind);
    for (const sink of o.sinks) (state.pending[sink.name] ??= []).push(...alerts);
    await saveState(o.statePath, state);
    await drain();
    return true;
  }

  /** Delivers each sink's pending alerts in order; stops at a sink's first retry. */
  async function drain(): Promise<void> {
    let changed = false;
    for (const sink of o.sinks) {
      const queue = (state.pending[sink.name] ??= []);
      while (queue.length > 0) {
        const d = await sink.deliver(queue[0]!);
        o.metrics?.delivered(sink.name, d.outcome);
        if (d.outcome === 'retry') {
          if (sinkTrouble.get(sink.name) !== d.why) o.log.warn(`ALERT_SINK_FAILED: ${sink.name}: ${d.why}; ${queue.length} alert(s) kept pending and retried`);
          sinkTrouble.set(sink.name, d.why);
          break;
        }
        if (d.outcome === 'drop') o.log.error(`ALERT_SINK_FAILED: ${sink.name} refused alert ${queue[0]!.id} for good: ${d.why}`);
        else if (sinkTrouble.delete(sink.name)) o.log.info(`${sink.name} takes alerts again`);
        queue.shift();
        changed = true;
      }
      o.metrics?.setPending(sink.name, queue.length);
    }
    if (changed) await saveState(o.statePath, state);
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const ok = await pollOnce();
      failures = ok ? 0 : failures + 1;
      const wait = ok ? o.intervalMs : Math.min(o.intervalMs * 2 ** Math.min(failures - 1, 16), o.maxBackoffMs ?? 60_000);
      await o.sleep(wait, signal);
    }
  }

  return { pollOnce, run };
}

/** An abortable sleep for `run`. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
