import { TOPICS, failWith, formatRejections, type Handler, type Logger, type Result } from '@typedcluster/core';
import type { Detector, StreamScorer } from '@typedcluster/detectors';
import { judgeCycle, unusableReport, verdictOf, type CycleVerdict, type ModelRef } from './cycle-report.js';
import { parseInput } from './parse-input.js';
import type { StoreReport } from './report-store.js';

/**
 * detect-anomaly: scores each PLC cycle of the text stage (MQTT
 * `readings/+`) or of a 30-second block (HTTP) with the active model of the
 * registry, or the default detector while none is active; stores anomalies
 * and unusable input in anomaly_reports and publishes them on
 * `anomaly/{plc}/report`. Contract: ./README.md. Wiring: ./setup.ts.
 */
export interface ScoringModel {
  readonly detector: Detector;
  readonly ref: ModelRef;
}

export interface DetectDeps {
  /** The model to score with now; changes when another version is activated (hot reload). */
  readonly model: () => ScoringModel;
  /** true when the PLC is a registered, non-revoked device. */
  readonly knownPlc: (id: number) => Promise<Result<boolean>>;
  readonly store: StoreReport;
  /** QoS 1 publish; resolves once the broker acknowledged. */
  readonly publish: (topic: string, payload: string) => Promise<Result<void>>;
  readonly log: Logger;
  readonly maxRecords: number;
  readonly close?: () => Promise<void>;
}

interface PlcState {
  /** Which model the scorer belongs to: a new version starts a fresh scorer. */
  modelKey: string;
  scorer: StreamScorer;
  /** The newest cycle scored, and its verdict, for redeliveries. */
  lastStart?: number;
  lastVerdict?: CycleVerdict;
  /**
   * Recent reports that must be stored and published, by cycle start: when
   * a batch fails part-way (store or broker down), its retry finds them
   * here although a later cycle of the PLC was scored meanwhile.
   */
  readonly owed: Map<number, CycleVerdict>;
}

/** Reports kept per PLC for retries; anomalies are rare, so this spans long backlogs. */
const OWED_PER_PLC = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function createHandler(deps: DetectDeps): Handler {
  const plcs = new Map<number, PlcState>();

  const stateFor = (plc: number, m: ScoringModel): PlcState => {
    const key = `${m.ref.detector}@${m.ref.version ?? 'default'}`;
    let st = plcs.get(plc);
    if (!st || st.modelKey !== key) {
      st = { modelKey: key, scorer: m.detector.scorer(), owed: new Map() };
      plcs.set(plc, st);
    }
    return st;
  };

  return async (event, ctx) => {
    if (event.method !== 'POST') return failWith(ctx, { code: 'BAD_REQUEST', message: `use POST, not ${event.method}` });
    let text: string;
    try {
      text = utf8.decode(event.body);
    } catch {
      return failWith(ctx, { code: 'BAD_REQUEST', message: 'body is not valid UTF-8' });
    }
    const input = parseInput(text, deps.maxRecords);
    if (!input.ok) return failWith(ctx, input.error);

    const model = deps.model();
    // Verdicts, not reports: a normal cycle's report is built only if this answer carries it.
    const reports: CycleVerdict[] = [];
    // Asked once per PLC per request: a batch holds many cycles of few PLCs.
    const knownHere = new Map<number, boolean>();
    let duplicates = 0;
    for (const c of input.value.cycles) {
      let isKnown = knownHere.get(c.plc);
      if (isKnown === undefined) {
        const known = await deps.knownPlc(c.plc);
        if (!known.ok) return failWith(ctx, known.error, false);
        isKnown = known.value;
        knownHere.set(c.plc, isKnown);
      }
      if (!isKnown) {
        reports.push(verdictOf(unusableReport(c, model.ref, 'UNKNOWN_DEVICE', `PLC ${c.plc} is not a registered device`)));
        continue;
      }
      const st = stateFor(c.plc, model);
      const start = Date.parse(c.cycleStart);
      if (st.lastStart !== undefined && start <= st.lastStart) {
        // A redelivery (the connector retries after a failed store or publish):
        // the same cycle gets the same report again; an older one is not
        // scored again, which would push it into a stateful scorer out of order.
        const again = start === st.lastStart ? st.lastVerdict : st.owed.get(start);
        if (again) reports.push(again);
        else duplicates++;
        continue;
      }
      const verdict = judgeCycle(c, st.scorer, model.ref);
      st.lastStart = start;
      st.lastVerdict = verdict;
      if (verdict.is_anomaly || verdict.status === 'unusable') {
        st.owed.set(start, verdict);
        if (st.owed.size > OWED_PER_PLC) st.owed.delete(st.owed.keys().next().value as number);
      }
      reports.push(verdict);
    }

    for (const v of reports) {
      if (!v.is_anomaly && v.status !== 'unusable') continue;
      const r = v.report();
      const stored = await deps.store(r);
      if (!stored.ok) {
        deps.log.error('storing a report failed; the caller retries', { plc: r.plc_id, reason: stored.error.message });
        return failWith(ctx, stored.error, false);
      }
      const sent = await deps.publish(TOPICS.anomalyReport(r.plc_id), JSON.stringify(r));
      if (!sent.ok) {
        deps.log.error('publishing a report failed; the caller retries', { plc: r.plc_id, reason: sent.error.message });
        return failWith(ctx, sent.error, false);
      }
    }

    // Unusable input is counted per reason by the gateway (X-Rejected), as rejected frames are.
    const unusable: Record<string, number> = {};
    let scored = 0;
    let anomalies = 0;
    for (const v of reports) {
      if (v.status === 'scored') scored++;
      if (v.is_anomaly) anomalies++;
      const reason = v.status === 'unusable' ? v.report().reason : null;
      if (reason) unusable[reason] = (unusable[reason] ?? 0) + 1;
    }
    if (Object.keys(unusable).length > 0) ctx.headers({ 'x-rejected': formatRejections(unusable) });
    const counts = { scored, anomalies, unusable: reports.length - scored, duplicates, readings: input.value.readings };
    // The connector's batch reads only the status; what matters went to MQTT and PostgreSQL.
    return ctx.status(200).succeed(input.value.batch ? counts : { ...counts, reports: reports.map((v) => v.report()) });
  };
}

export { setup, teardown, info } from './setup.js';
