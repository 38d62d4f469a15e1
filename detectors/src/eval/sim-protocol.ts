import { StartupError } from '@typedcluster/core';
import type { HistoricalRow, PhaseModel } from '@typedcluster/core';
import { createCycleStructureCheck, createRepeatCheck } from '../cycle-structure.js';
import { createDetector } from '../detector-catalog.js';
import type { Sample } from '../detector.js';
import { emptyScoredRows } from './evaluate.js';
import type { ScoredRows } from './evaluate.js';

/**
 * Evaluation on a simulator data set (`typedcluster sim historical`):
 * each PLC's rows in time order; the first TRAIN_SHARE of them is the
 * training part, of which only rows labelled normal are fitted on (one
 * detector for all PLCs: they share the phase model); every row after it
 * is a test row. A test row is flagged when the value detector flags it or
 * finds it unusable (silent: values missing), or when the cycle-structure
 * check finds its phase out of order or too long, or a sensor repeats its
 * previous value exactly (stuck; that sensor is then the one blamed).
 */
export const TRAIN_SHARE = 0.5;
export const SIM_FEATURES = ['s1', 's2', 's3', 's4', 's5'] as const;

export interface SimScoredRows extends ScoredRows {
  readonly types: (string | null)[];
  /** Test rows that carry anomaly_sensors and the value detector flagged with a named sensor. */
  explained: number;
  /** …of which the top blamed sensor is one of anomaly_sensors. */
  explainedRight: number;
  plcs: number;
}

const toSample = (r: HistoricalRow): Sample => ({ group: r.phase, values: [r.s1, r.s2, r.s3, r.s4, r.s5] });

export async function runSim(rows: AsyncIterable<HistoricalRow> | Iterable<HistoricalRow>, detector: string, options: { seed?: number; model?: PhaseModel; onProgress?: (done: number, info: string) => void } = {}): Promise<SimScoredRows> {
  const byPlc = new Map<number, HistoricalRow[]>();
  for await (const r of rows) (byPlc.get(r.plc) ?? byPlc.set(r.plc, []).get(r.plc)!).push(r);
  if (byPlc.size === 0) throw new StartupError('DATASET_INVALID', 'the simulator data set has no rows', 'generate one with "typedcluster sim historical"');
  const cut = (n: number) => Math.floor(n * TRAIN_SHARE);
  const trainStreams = [...byPlc.values()].map((rs) => rs.slice(0, cut(rs.length)).filter((r) => r.anomaly === 0).map(toSample));
  const d = createDetector(detector, { ...(options.seed === undefined ? {} : { seed: options.seed }), ...(options.model === undefined ? {} : { model: options.model }) });
  if (!d.ok) throw new StartupError(d.error.code, d.error.message, 'see typedcluster eval --help');
  await d.value.fit(trainStreams, { features: SIM_FEATURES, ...(options.seed === undefined ? {} : { seed: options.seed }), onProgress: (x) => options.onProgress?.(0.5 * x, 'fit') });
  const out: SimScoredRows = { ...emptyScoredRows(), types: [], explained: 0, explainedRight: 0, plcs: byPlc.size };
  let done = 0;
  for (const rs of byPlc.values()) {
    const scorer = d.value.scorer();
    const structure = createCycleStructureCheck();
    const repeats = createRepeatCheck();
    for (const [i, r] of rs.entries()) {
      const res = scorer.score(toSample(r));
      const timing = structure.check(r);
      const stuck = repeats.check([r.s1, r.s2, r.s3, r.s4, r.s5]);
      if (i < cut(rs.length)) continue; // training part: warms the scorer's state only
      out.labels.push(r.anomaly);
      out.types.push(r.anomaly === 1 ? (r.anomaly_type ?? 'unknown') : null);
      if ('unusable' in res) {
        out.unusable++;
        out.flagged.push(true);
        out.scores.push(Number.POSITIVE_INFINITY);
        out.top.push(-1);
        continue;
      }
      const flaggedByRule = timing !== undefined || stuck.length > 0;
      out.flagged.push(res.isAnomaly || flaggedByRule);
      out.scores.push(flaggedByRule ? Number.POSITIVE_INFINITY : res.score);
      const top = res.isAnomaly ? (res.affected[0] ?? -1) : (stuck[0] ?? -1);
      out.top.push(top);
      if (r.anomaly === 1 && r.anomaly_sensors.length > 0 && top >= 0) {
        out.explained++;
        if (r.anomaly_sensors.includes(SIM_FEATURES[top]!)) out.explainedRight++;
      }
    }
    options.onProgress?.(0.5 + (0.5 * ++done) / byPlc.size, `PLC ${rs[0]?.plc}`);
  }
  return out;
}
