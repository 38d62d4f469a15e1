import { StartupError } from '@typedcluster/core';

/**
 * Threshold calibration shared by every detector (docs/detectors.md
 * "Thresholds"). A detector scores held-back NORMAL data it was not fitted
 * on; the threshold is a high percentile of those scores plus a margin:
 *
 *   threshold = max(floor, P_p + margin · (P_p − P_50))
 *
 * The margin is scale-free (a share of the spread between the median and
 * the percentile), so one rule fits every data set and detector; no number
 * here is tuned to a data set. `floor` keeps detectors whose normal scores
 * are all 0 (fixed ranges) from flagging the tiniest excess.
 */
export interface ThresholdRule {
  /** Percentile of the held-back normal scores, 0..100. */
  readonly percentile: number;
  /** Share of (P_p − P_50) added above P_p, >= 0. */
  readonly margin: number;
  /** Smallest threshold allowed, > 0. */
  readonly floor: number;
}

export const DEFAULT_THRESHOLD_RULE: ThresholdRule = { percentile: 99, margin: 0.1, floor: 1e-9 };

/** The p-th percentile (0..100) of ascending `sorted`, linear between ranks (numpy's default). */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (rank - lo);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted([...values].sort((a, b) => a - b), p);
}

/**
 * The threshold for held-back normal `scores`. Throws StartupError
 * (DETECTOR_FIT_FAILED) when there is nothing finite to calibrate on:
 * fitting is a batch job that must stop rather than guess.
 */
export function calibrateThreshold(scores: readonly number[], rule: Partial<ThresholdRule> = {}): number {
  const r = { ...DEFAULT_THRESHOLD_RULE, ...rule };
  if (!(r.percentile >= 0 && r.percentile <= 100)) throw new StartupError('DETECTOR_FIT_FAILED', `threshold percentile ${r.percentile} is outside 0..100`, 'use e.g. 99');
  const finite = scores.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) throw new StartupError('DETECTOR_FIT_FAILED', 'no held-back normal scores to calibrate the threshold on', 'give the detector more normal data, or a larger calibrationShare');
  const p = percentileOfSorted(finite, r.percentile);
  const median = percentileOfSorted(finite, 50);
  return Math.max(r.floor, p + Math.max(0, r.margin) * (p - median));
}
