import { PHASES, SENSORS } from '@typedcluster/core';
import type { Score, StreamScorer, Unusable } from '@typedcluster/detectors';

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

/**
 * What the handler needs of a scored cycle: its verdict now, its report
 * only if asked. Most cycles are normal and only counted (handler.ts), so
 * their report, with its per-sensor explanation, is built on first
 * `report()` (a redelivery, the HTTP answer of a single message); the
 * scores it is built from were fixed when the cycle was scored.
 */
export interface CycleVerdict {
  readonly status: 'scored' | 'unusable';
  readonly is_anomaly: boolean;
  /** The report (the same object on every call). */
  report(): AnomalyReport;
}

/** A verdict whose report is already built (unusable input). */
export const verdictOf = (r: AnomalyReport): CycleVerdict => new BuiltVerdict(r);

export function scoreCycle(c: CycleInput, scorer: StreamScorer, model: ModelRef): AnomalyReport {
  return judgeCycle(c, scorer, model).report();
}

/** Scores the cycle's phases in order; the report is built when asked (CycleVerdict). */
export function judgeCycle(c: CycleInput, scorer: StreamScorer, model: ModelRef): CycleVerdict {
  if (!hasCycleShape(c.phases)) {
    return verdictOf(unusableReport(c, model, 'DETECTOR_INPUT_UNUSABLE', `a cycle needs ${PHASES} phases of ${SENSORS} sensors; got ${c.phases.map((p) => p.length).join('/') || 'no phases'}`));
  }
  // Every phase goes through the scorer, usable or not, so a stateful
  // detector's window stays aligned with the PLC's real sequence.
  const scores = new Array<Score>(PHASES);
  let bad: Unusable | undefined;
  let badPhase = 0;
  let anomaly = false;
  for (let p = 0; p < PHASES; p++) {
    const r = scorer.score({ group: p + 1, values: c.phases[p]! });
    if ('unusable' in r) {
      if (!bad) {
        bad = r;
        badPhase = p + 1;
      }
    } else {
      scores[p] = r;
      anomaly ||= r.isAnomaly;
    }
  }
  if (bad) return verdictOf(unusableReport(c, model, bad.code, `phase ${badPhase}: ${bad.message}`, badPhase));
  return new ScoredVerdict(c, model, scores, anomaly);
}

const hasCycleShape = (phases: CycleInput['phases']): boolean => {
  if (phases.length !== PHASES) return false;
  for (const p of phases) if (p.length !== SENSORS) return false;
  return true;
};

class BuiltVerdict implements CycleVerdict {
  readonly status: 'scored' | 'unusable';
  readonly is_anomaly: boolean;
  readonly #report: AnomalyReport;
  constructor(r: AnomalyReport) {
    this.status = r.status;
    this.is_anomaly = r.is_anomaly;
    this.#report = r;
  }
  report(): AnomalyReport {
    return this.#report;
  }
}

class ScoredVerdict implements CycleVerdict {
  readonly status = 'scored' as const;
  readonly is_anomaly: boolean;
  readonly #cycle: CycleInput;
  readonly #model: ModelRef;
  readonly #scores: readonly Score[];
  #report: AnomalyReport | undefined;
  constructor(c: CycleInput, model: ModelRef, scores: readonly Score[], anomaly: boolean) {
    this.is_anomaly = anomaly;
    this.#cycle = c;
    this.#model = model;
    this.#scores = scores;
  }
  report(): AnomalyReport {
    return (this.#report ??= scoredReport(this.#cycle, this.#model, this.#scores, this.is_anomaly));
  }
}

/** The report of a cycle whose phases were all scored: the worst phase (highest score relative to its threshold), explained per sensor. */
function scoredReport(c: CycleInput, model: ModelRef, scores: readonly Score[], anomaly: boolean): AnomalyReport {
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
    is_anomaly: anomaly,
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
