import type { Detector } from '../detector.js';
import { createDriftT2Detector } from '../drift-t2.js';
import { confusion, summarise } from '../metrics.js';
import type { Summary } from '../metrics.js';
import type { ScoredRows } from './evaluate.js';
import type { SkabFile } from './skab-csv.js';
import { runSkab } from './skab-protocol.js';

/**
 * Leave-one-file-out choice of hyper-parameters, the honest figure for a
 * detector whose settings were picked on the files at hand: for each file,
 * the configuration is chosen on the OTHER files only (largest pooled F1
 * among those with FAR <= `maxFar`; none → the lowest FAR), then that file
 * is scored with it; the held-out rows of all folds are pooled. Each run is
 * the exact SKAB protocol (skab-protocol.ts) on one file.
 */
export interface LofoConfig {
  readonly label: string;
  readonly create: () => Detector;
}

export interface LofoResult {
  /** Pooled held-out result: the figure to report. */
  readonly lofo: Summary;
  /** Every configuration on all files (selection on the test files: optimistic). */
  readonly all: { readonly label: string; readonly summary: Summary }[];
  /** Configuration chosen per held-out file. */
  readonly chosen: { readonly file: string; readonly label: string }[];
}

/** FAR of the published best (Conv-AE, SKAB README): a configuration must not alarm more often. */
export const CONV_AE_FAR = 0.1355;

const pool = (parts: readonly ScoredRows[]): Summary => summarise(confusion(parts.flatMap((p) => p.labels), parts.flatMap((p) => p.flagged)));

export async function leaveOneFileOut(files: readonly SkabFile[], configs: readonly LofoConfig[], maxFar = CONV_AE_FAR): Promise<LofoResult> {
  const labelled = files.filter((f) => f.labels);
  const runs: ScoredRows[][] = [];
  for (const c of configs) {
    const perFile: ScoredRows[] = [];
    for (const f of labelled) perFile.push(await runSkab([f], c.create));
    runs.push(perFile);
  }
  const held: ScoredRows[] = [];
  const chosen: { file: string; label: string }[] = [];
  labelled.forEach((f, h) => {
    let best = 0;
    let bestKey = Number.NEGATIVE_INFINITY;
    runs.forEach((perFile, c) => {
      const s = pool(perFile.filter((_, i) => i !== h));
      const key = s.far <= maxFar ? s.f1 : -s.far; // feasible ones first, by F1
      if (key > bestKey) [best, bestKey] = [c, key];
    });
    held.push(runs[best]![h]!);
    chosen.push({ file: f.name, label: configs[best]!.label });
  });
  return { lofo: pool(held), all: configs.map((c, i) => ({ label: c.label, summary: pool(runs[i]!) })), chosen };
}

/** The grid drift-t2's defaults were chosen from (docs/detectors.md): 4 × 5 × 3 = 60 configurations. */
export const DRIFT_T2_GRID: readonly LofoConfig[] = [1, 10, 30, 60].flatMap((window) =>
  [0, 0.5, 1, 2, 4].flatMap((allowance) =>
    [0.1, 1, 3].map((margin) => ({ label: `window ${window}, allowance ${allowance}, margin ${margin}`, create: () => createDriftT2Detector({ window, allowance, margin }) })),
  ),
);
