import { StartupError } from '@typedcluster/core';
import { createDetector } from '../detector-catalog.js';
import type { Detector, Sample } from '../detector.js';
import { emptyScoredRows, scoreStream } from './evaluate.js';
import type { ScoredRows } from './evaluate.js';
import type { SkabFile } from './skab-csv.js';

/**
 * SKAB's outlier-detection protocol (its core/utils.py and core/metrics.py,
 * summarised in shared/datasets/skab/README.md): in each labelled file the
 * first 400 rows train a fresh detector (assumed normal), every later row
 * is a test row, and all test rows of all files are scored together point
 * by point, without a tolerance window. Unlabelled files are not used.
 * Stateful scorers start from the end of their file's training rows.
 */
export const SKAB_TRAIN_ROWS = 400;

export interface SkabRunOptions {
  readonly seed?: number;
  readonly onFile?: (done: number, total: number, name: string) => void;
}

const toSamples = (rows: SkabFile['rows']): Sample[] => rows.map((values) => ({ group: 0, values }));

/** `detector`: a catalogue name, or a factory of fresh detectors (leave-one-file-out tries configurations). */
export async function runSkab(files: readonly SkabFile[], detector: string | (() => Detector), options: SkabRunOptions = {}): Promise<ScoredRows> {
  const labelled = files.filter((f) => f.labels);
  if (labelled.length === 0) throw new StartupError('DATASET_INVALID', 'no labelled SKAB files (with an "anomaly" column) found', 'point --dir at the SKAB data folder, e.g. ../shared/datasets/skab');
  const out = emptyScoredRows();
  for (const [i, f] of labelled.entries()) {
    if (f.rows.length <= SKAB_TRAIN_ROWS) throw new StartupError('DATASET_INVALID', `${f.name}: ${f.rows.length} rows, the protocol needs more than ${SKAB_TRAIN_ROWS}`, 'use complete SKAB files');
    const d = typeof detector === 'string' ? createDetector(detector, options.seed === undefined ? {} : { seed: options.seed }) : { ok: true as const, value: detector() };
    if (!d.ok) throw new StartupError(d.error.code, d.error.message, 'see typedcluster eval --help');
    const samples = toSamples(f.rows);
    const train = samples.slice(0, SKAB_TRAIN_ROWS);
    await d.value.fit([train], { features: f.features, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    scoreStream(d.value, train, samples.slice(SKAB_TRAIN_ROWS), f.labels!.slice(SKAB_TRAIN_ROWS), out);
    options.onFile?.(i + 1, labelled.length, f.name);
  }
  return out;
}
