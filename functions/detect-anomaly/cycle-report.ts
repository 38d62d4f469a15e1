import { PHASES, SENSORS } from '@typedcluster/core';
import type { Score, ScoreResult, StreamScorer } from '@typedcluster/detectors';

/**
 * One PLC cycle → one report (docs/anomaly-report.schema.json). The cycle's
 * five phases go through the PLC's scorer in order; the report names the
 * worst phase (highest score relative to its threshold) and explains it per
 * sensor. Input that cannot be scored gives a report with status
 * `unusable` and the catalogue code: never a silent "normal".
 */
export interface CycleInput {
  readonly plc: number;
  readonly cycle: number;
  /** Start of the 30-second cycle, ISO-8601 UTC. */
  readonly cycleStart: string;
  /** phases[p][s], p 0..4, s 0..4 (s1..s5); null = missing, NaN or infinite. */
  readonly phases: ReadonlyArray<ReadonlyArray<number | null>>;
}

export interface SensorFinding {
  readonly sensor: string;
  readonly value: number | null;
  readonly expected: number | null;
  readonly expected_range: [number, number] | null;
}

export interface AnomalyReport {
  readonly timestamp: string;
  readonly plc_id: number;
  readonly cycle: number;
  readonly phase: number | null;
  readonly detector: string;
  readonly model_version: number | null;
  readonly status: 'scored' | 'unusable';
  readonly reason: string | null;
  readonly message: string | null;
  readonly anomaly_score: number | null;
  readonly threshold: number | null;
  readonly is_anomaly: boolean;
  readonly confidence: number | null;
  readonly affected_sensors: string[];
  readonly sensors: SensorFinding[];
  readonly phases: { phase: number; anomaly_score: number | null; is_anomaly: boolean }[];
}

export interface ModelRef {
  readonly detector: string;
  readonly version: number | null;
}

const SENSOR_NAMES = Array.from({ length: SENSORS }, (_, i) => `s${i + 1}`);

export function unusableReport(c: Pick<CycleInput, 'plc' | 'cycle' | 'cycleStart'>, model: ModelRef, reason: string, message: string, phase: number | null = null): AnomalyReport {
  return {
    timestamp: c.cycleStart,
    plc_id: c.plc,
    cycle: c.cycle,
    phase,
    detector: model.detector,
    model_version: model.version,
    status: 'unusable',
    reason,
    message,
    anomaly_score: null,
    threshold: null,
    is_anomaly: false,
    confidence: null,
    affected_sensors: [],
    sensors: [],
    phases: [],
  };
}

export function scoreCycle(c: CycleInput, scorer: StreamScorer, model: ModelRef): AnomalyReport {
  if (c.phases.length !== PHASES || c.phases.some((p) => p.length !== SENSORS)) {
    return unusableReport(c, model, 'DETECTOR_INPUT_UNUSABLE', `a cycle needs ${PHASES} phases of ${SENSORS} sensors; got ${c.phases.map((p) => p.length).join('/') || 'no phases'}`);
  }
  // Every phase goes through the scorer, usable or not, so a stateful
  // detector's window stays aligned with the PLC's real sequence.
  const results: ScoreResult[] = c.phases.map((values, p) => scorer.score({ group: p + 1, values }));
  const bad = results.findIndex((r) => 'unusable' in r);
  if (bad >= 0) {
    const u = results[bad] as { code: string; message: string };
    return unusableReport(c, model, u.code, `phase ${bad + 1}: ${u.message}`, bad + 1);
  }
  const scores = results as Score[];
  const ratio = (s: Score) => (s.threshold > 0 ? s.score / s.threshold : s.score);
  let worst = 0;
  for (let p = 1; p < scores.length; p++) if (ratio(scores[p]!) > ratio(scores[worst]!)) worst = p;
  const w = scores[worst]!;
  const affected = [...new Set(scores.filter((s) => s.isAnomaly).flatMap((s) => s.affected))];
  return {
    timestamp: c.cycleStart,
    plc_id: c.plc,
    cycle: c.cycle,
    phase: worst + 1,
    detector: model.detector,
    model_version: model.version,
    status: 'scored',
    reason: null,
    message: null,
    anomaly_score: w.score,
    threshold: w.threshold,
    is_anomaly: scores.some((s) => s.isAnomaly),
    confidence: w.confidence,
    affected_sensors: affected.map((i) => SENSOR_NAMES[i] ?? `f${i + 1}`),
    sensors: w.findings.map((f) => ({
      sensor: SENSOR_NAMES[f.index] ?? `f${f.index + 1}`,
      value: f.value,
      expected: finiteOrNull(f.expected),
      expected_range: Number.isFinite(f.range[0]) && Number.isFinite(f.range[1]) ? [f.range[0], f.range[1]] : null,
    })),
    phases: scores.map((s, p) => ({ phase: p + 1, anomaly_score: finiteOrNull(s.score), is_anomaly: s.isAnomaly })),
  };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
