/**
 * Evaluation metrics, point-wise, as SKAB computes them (its
 * core/metrics.py): F1 = TP / (TP + (FN + FP)/2) (the usual harmonic mean
 * written with counts), FAR = FP / (FP + TN), MAR = FN / (FN + TP).
 * A ratio with an empty denominator is 0 (nothing flagged → precision 0),
 * except ROC-AUC, which is NaN without both classes.
 */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

export interface Summary extends Confusion {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** False alarm rate, 0..1. */
  readonly far: number;
  /** Missed alarm rate, 0..1. */
  readonly mar: number;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

export function confusion(labels: readonly (0 | 1)[], flagged: readonly boolean[]): Confusion {
  if (labels.length !== flagged.length) throw new RangeError(`labels (${labels.length}) and predictions (${flagged.length}) differ in length`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const [i, y] of labels.entries()) {
    if (flagged[i]) y ? tp++ : fp++;
    else y ? fn++ : tn++;
  }
  return { tp, fp, tn, fn };
}

export function summarise(c: Confusion): Summary {
  return {
    ...c,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    f1: ratio(c.tp, c.tp + (c.fn + c.fp) / 2),
    far: ratio(c.fp, c.fp + c.tn),
    mar: ratio(c.fn, c.fn + c.tp),
  };
}

/**
 * ROC-AUC as the Mann–Whitney statistic: the probability that a random
 * anomalous row scores above a random normal one, ties counting one half
 * (average ranks). Scores may be +Infinity (unusable rows rank highest).
 */
export function rocAuc(labels: readonly (0 | 1)[], scores: readonly number[]): number {
  const idx = labels.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]! || 0);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && (scores[idx[j + 1]!] === scores[idx[i]!])) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!]) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

export interface TypeSummary {
  readonly positives: number;
  readonly detected: number;
  readonly recall: number;
  /**
   * F1 of this type against all normal rows: TP and FN over this type's
   * rows, FP over every normal row (false alarms are not of any type).
   */
  readonly f1: number;
}

/** Per anomaly type; rows with type null are the normal rows. */
export function perType(types: readonly (string | null)[], flagged: readonly boolean[]): Record<string, TypeSummary> {
  let fp = 0;
  const by = new Map<string, { positives: number; detected: number }>();
  for (const [i, t] of types.entries()) {
    if (t === null) {
      if (flagged[i]) fp++;
      continue;
    }
    const e = by.get(t) ?? by.set(t, { positives: 0, detected: 0 }).get(t)!;
    e.positives++;
    if (flagged[i]) e.detected++;
  }
  const out: Record<string, TypeSummary> = {};
  for (const [t, e] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
    const fn = e.positives - e.detected;
    out[t] = { ...e, recall: ratio(e.detected, e.positives), f1: ratio(e.detected, e.detected + (fn + fp) / 2) };
  }
  return out;
}
