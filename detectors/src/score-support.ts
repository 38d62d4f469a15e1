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
  for (const [i, v] of sample.values.entries()) {
    if (v === null || !Number.isFinite(v)) return unusable('DETECTOR_INPUT_UNUSABLE', `${features[i]} is ${v === null ? 'missing' : String(v)}`);
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

export function makeScore(score: number, threshold: number, findings: readonly FeatureFinding[]): Score {
  const isAnomaly = score > threshold;
  const top = Math.max(0, ...findings.map((f) => f.contribution));
  const affected = isAnomaly && top > 0
    ? findings.filter((f) => f.contribution >= AFFECTED_SHARE * top).sort((a, b) => b.contribution - a.contribution).map((f) => f.index)
    : [];
  return { score, threshold, isAnomaly, confidence: confidenceOf(score, threshold), affected, findings };
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
