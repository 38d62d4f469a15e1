import type { Detector, Sample, StreamScorer } from '../detector.js';

/**
 * Scores labelled test streams with a fitted detector and keeps, per row,
 * what the metrics need. An Unusable row counts as FLAGGED with score +∞:
 * the detector reported that it could not vouch for it, which an operator
 * sees as an alert, never as "normal".
 */
export interface ScoredRows {
  readonly labels: (0 | 1)[];
  readonly flagged: boolean[];
  readonly scores: number[];
  /** Top blamed feature index per row (-1 when none). */
  readonly top: number[];
  unusable: number;
}

export const emptyScoredRows = (): ScoredRows => ({ labels: [], flagged: [], scores: [], top: [], unusable: 0 });

export function scoreInto(out: ScoredRows, scorer: StreamScorer, samples: readonly Sample[], labels: readonly (0 | 1)[]): void {
  for (const [i, x] of samples.entries()) {
    const r = scorer.score(x);
    out.labels.push(labels[i]!);
    if ('unusable' in r) {
      out.unusable++;
      out.flagged.push(true);
      out.scores.push(Number.POSITIVE_INFINITY);
      out.top.push(-1);
    } else {
      out.flagged.push(r.isAnomaly);
      out.scores.push(r.score);
      out.top.push(r.affected[0] ?? -1);
    }
  }
}

/** Scores `samples` after running `warmUp` through the same scorer (stateful detectors start from the training tail). */
export function scoreStream(detector: Detector, warmUp: readonly Sample[], samples: readonly Sample[], labels: readonly (0 | 1)[], out: ScoredRows): void {
  const scorer = detector.scorer();
  for (const x of warmUp) scorer.score(x);
  scoreInto(out, scorer, samples, labels);
}
