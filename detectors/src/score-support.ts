import type { FeatureFinding, Sample, Score, Stream, Unusable } from './detector.js';

/**
 * What every detector does the same way: refuse unusable samples, split
 * normal streams into fit and calibration parts, and turn per-feature
 * findings into a Score.
 */

export const unusable = (code: string, message: string): Unusable => ({ unusable: true, code, message });

/** An Unusable for a sample with a missing or non-finite value or the wrong width; undefined when usable. */
export function checkSample(sample: Sample, features: readonly string[]): Unusable | undefined {
  if (sample.values.length !== features.length) {
    return unusable('DETECTOR_INPUT_UNUSABLE', `sample has ${sample.values.length} values, the detector expects ${features.length} (${features.join(', ')})`);
  }
  // An index loop: entries() would allocate an iterator and a pair per value, per sample scored.
  const values = sample.values;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) return unusable('DETECTOR_INPUT_UNUSABLE', `${features[i]} is ${v === null ? 'missing' : String(v)}`);
  }
  return undefined;
}

/** Usable samples only: fitting on normal data skips the holes rather than learning them. */
export const usableSamples = (samples: readonly Sample[], features: readonly string[]): Sample[] => samples.filter((s) => checkSample(s, features) === undefined);

export interface CalibrationSplit {
  /** Samples to fit on (each stream's head). */
  readonly fit: Sample[];
  /** Each stream's tail, kept in order for stateful scorers. */
  readonly calibration: Stream[];
}

/** Where a stream of `length` samples splits: [0, cut) is fitted on, the rest calibrates (share clamped to 0.05..0.9). */
export const calibrationCut = (length: number, share = 0.2): number => Math.max(1, Math.floor(length * (1 - Math.min(0.9, Math.max(0.05, share)))));

/**
 * Holds back the last `share` of each stream for calibration (the tail, so
 * a stateful scorer sees it in order, after the data it was fitted on).
 */
export function splitForCalibration(streams: readonly Stream[], share = 0.2): CalibrationSplit {
  const fit: Sample[] = [];
  const calibration: Stream[] = [];
  for (const stream of streams) {
    const cut = calibrationCut(stream.length, share);
    fit.push(...stream.slice(0, cut));
    if (cut < stream.length) calibration.push(stream.slice(cut));
  }
  return { fit, calibration };
}

/** How sure a verdict is: 0.5 at the threshold, towards 1 far above it, towards 0 far below. */
export const confidenceOf = (score: number, threshold: number): number => {
  const r = threshold > 0 ? score / threshold : score > 0 ? Number.POSITIVE_INFINITY : 0;
  return Number.isFinite(r) ? r / (1 + r) : 1;
};

/** Features within this share of the top contribution are named as affected. */
const AFFECTED_SHARE = 0.5;

/** What a normal score blames: shared, since most scores are normal. */
const NONE: readonly number[] = Object.freeze([]);

/** The features blamed: those within AFFECTED_SHARE of the top contribution, most to blame first; none unless anomalous. */
function affectedOf(isAnomaly: boolean, findings: readonly FeatureFinding[]): readonly number[] {
  if (!isAnomaly) return NONE;
  let top = 0;
  for (const f of findings) top = Math.max(top, f.contribution);
  if (!(top > 0)) return NONE;
  return findings.filter((f) => f.contribution >= AFFECTED_SHARE * top).sort((a, b) => b.contribution - a.contribution).map((f) => f.index);
}

export function makeScore(score: number, threshold: number, findings: readonly FeatureFinding[]): Score {
  const isAnomaly = score > threshold;
  return { score, threshold, isAnomaly, confidence: confidenceOf(score, threshold), affected: affectedOf(isAnomaly, findings), findings };
}

/** Builds a sample's findings from what its scorer kept (`detail`) when it scored it; `score` is the score it got. */
export type Explain<D> = (sample: Sample, detail: D, score: number) => FeatureFinding[];

/**
 * A Score whose findings are built when first read. Most samples are
 * normal and nobody reads their explanation (detect-anomaly keeps only
 * anomalies' reports), so a scorer hands over what the findings are built
 * from instead of a finding object per feature per sample. An anomalous
 * score builds them at once: `affected` is ranked from them. Same values as
 * makeScore with the same findings.
 */
export class LazyScore<D> implements Score {
  readonly score: number;
  readonly threshold: number;
  readonly isAnomaly: boolean;
  readonly confidence: number;
  readonly affected: readonly number[];
  #findings: readonly FeatureFinding[] | undefined;
  readonly #explain: Explain<D>;
  readonly #sample: Sample;
  readonly #detail: D;

  constructor(score: number, threshold: number, explain: Explain<D>, sample: Sample, detail: D) {
    this.score = score;
    this.threshold = threshold;
    this.isAnomaly = score > threshold;
    this.confidence = confidenceOf(score, threshold);
    this.#explain = explain;
    this.#sample = sample;
    this.#detail = detail;
    this.affected = this.isAnomaly ? affectedOf(true, this.findings) : NONE;
  }

  get findings(): readonly FeatureFinding[] {
    return (this.#findings ??= this.#explain(this.#sample, this.#detail, this.score));
  }

  /** The plain Score, as makeScore's would print. */
  toJSON(): Score {
    return { score: this.score, threshold: this.threshold, isAnomaly: this.isAnomaly, confidence: this.confidence, affected: this.affected, findings: this.findings };
  }
}

export const isUnusable = (r: Score | Unusable): r is Unusable => 'unusable' in r;

/** Samples by group (phase), each group's in their original order. */
export function groupSamples(samples: readonly Sample[]): Map<number, Sample[]> {
  const m = new Map<number, Sample[]>();
  for (const s of samples) {
    const g = m.get(s.group);
    if (g) g.push(s);
    else m.set(s.group, [s]);
  }
  return m;
}

/** Mean and (population) standard deviation. */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let m = 0;
  for (const x of xs) m += x;
  m /= n;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  return { mean: m, std: Math.sqrt(v / n) };
}
