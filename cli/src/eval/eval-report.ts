import { confusion, perType, rocAuc, summarise } from '@typedcluster/detectors';
import type { ScoredRows, SimScoredRows, Summary } from '@typedcluster/detectors';

/**
 * The tables `typedcluster eval` prints and its JSON line (printed last):
 * {dataset, detector, f1, far, mar, precision, recall, roc_auc, rows,
 * unusable, baseline_f1, per_type?, explanation_accuracy?}. Rates are 0..1
 * in JSON and percentages in the tables.
 */

/** SKAB's published outlier-detection leaderboard (F1, FAR %, MAR %), from its README. */
export const SKAB_LEADERBOARD: ReadonlyArray<readonly [string, number, number, number]> = [
  ['Conv-AE', 0.78, 13.55, 28.02],
  ['MSET', 0.78, 39.73, 14.13],
  ['T-squared+Q (PCA)', 0.76, 26.62, 24.92],
  ['LSTM-AE', 0.74, 29.96, 25.92],
  ['T-squared', 0.66, 19.21, 42.6],
  ['LSTM-VAE', 0.56, 9.13, 55.03],
  ['Vanilla LSTM', 0.54, 12.54, 59.53],
  ['Vanilla AE', 0.39, 2.59, 75.15],
  ['MSCRED', 0.36, 49.94, 69.88],
  ['Isolation forest', 0.29, 2.56, 82.89],
];

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const row = (name: string, f1: string, far: string, mar: string, extra = '') => `  ${name.padEnd(28)}${f1.padStart(6)}  ${far.padStart(9)}  ${mar.padStart(9)}  ${extra}`;

export interface EvalReport {
  readonly lines: string[];
  readonly json: Record<string, unknown>;
}

export function buildReport(dataset: 'skab' | 'sim', detector: string, r: ScoredRows | SimScoredRows): EvalReport {
  const s: Summary = summarise(confusion(r.labels, r.flagged));
  const base = summarise(confusion(r.labels, r.labels.map(() => true)));
  const auc = rocAuc(r.labels, r.scores);
  const lines = [
    `${dataset === 'skab' ? 'SKAB outlier detection' : 'simulator data set'}: ${r.labels.length} test rows, ${r.labels.filter((y) => y === 1).length} anomalous, ${r.unusable} unusable (counted as flagged)`,
    '',
    row('detector', 'F1', 'FAR', 'MAR', 'precision  recall  ROC-AUC'),
    row(detector, s.f1.toFixed(2), pct(s.far), pct(s.mar), `${s.precision.toFixed(3).padStart(9)}  ${s.recall.toFixed(3).padStart(6)}  ${Number.isNaN(auc) ? 'n/a' : auc.toFixed(3)}`),
    row('all anomalous (trivial)', base.f1.toFixed(2), pct(base.far), pct(base.mar)),
  ];
  if (dataset === 'skab') {
    lines.push('', '  published, whole benchmark (SKAB README):');
    for (const [n, f1, far, mar] of SKAB_LEADERBOARD) lines.push(row(n, f1.toFixed(2), `${far.toFixed(2)} %`, `${mar.toFixed(2)} %`));
  }
  const json: Record<string, unknown> = {
    dataset,
    detector,
    f1: s.f1,
    far: s.far,
    mar: s.mar,
    precision: s.precision,
    recall: s.recall,
    roc_auc: Number.isNaN(auc) ? null : auc,
    rows: r.labels.length,
    unusable: r.unusable,
    baseline_f1: base.f1,
  };
  if ('types' in r) {
    const t = perType(r.types, r.flagged);
    lines.push('', `  ${'anomaly type'.padEnd(22)}${'rows'.padStart(8)}  ${'recall'.padStart(7)}  ${'F1'.padStart(6)}`);
    for (const [k, v] of Object.entries(t)) lines.push(`  ${k.padEnd(22)}${String(v.positives).padStart(8)}  ${v.recall.toFixed(3).padStart(7)}  ${v.f1.toFixed(3).padStart(6)}`);
    const acc = r.explained > 0 ? r.explainedRight / r.explained : null;
    lines.push('', `  explanation: top blamed sensor is a labelled one in ${acc === null ? 'n/a' : pct(acc)} of ${r.explained} detected rows with labelled sensors`);
    json.per_type = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { rows: v.positives, recall: v.recall, f1: v.f1 }]));
    json.explanation_accuracy = acc;
    json.plcs = r.plcs;
  }
  return { lines, json };
}
