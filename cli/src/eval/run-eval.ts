import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StartupError, listHistoricalFiles, loadPhaseModel, phaseModelOf, readHistoricalRows } from '@typedcluster/core';
import type { HistoricalRow } from '@typedcluster/core';
import { RECOMMENDED, createDetector, runSim, runSkab } from '@typedcluster/detectors';
import type { EvalDataset } from '@typedcluster/detectors';
import type { Io } from '../command.js';
import { buildReport } from './eval-report.js';
import { readSkabDir } from './read-skab-dir.js';

export interface EvalFlags {
  readonly dataset: EvalDataset;
  readonly dir: string;
  readonly detector: string;
  readonly seed: number;
}

/** Checks the flags; one StartupError naming the field otherwise. */
export function parseEvalFlags(values: Record<string, string | boolean | undefined>, cwd: string): EvalFlags {
  const dataset = values.dataset;
  if (dataset !== 'skab' && dataset !== 'sim') throw new StartupError('CONFIG_INVALID', `--dataset must be skab or sim, not ${JSON.stringify(dataset)}`, 'e.g. --dataset skab');
  const dir = values.dir;
  if (typeof dir !== 'string' || dir === '') throw new StartupError('CONFIG_MISSING', '--dir is required', dataset === 'skab' ? 'e.g. --dir ../shared/datasets/skab' : 'a folder written by "typedcluster sim historical"');
  const name = typeof values.detector === 'string' ? values.detector : 'best';
  const detector = name === 'best' ? RECOMMENDED[dataset] : name;
  const known = createDetector(detector);
  if (!known.ok) throw new StartupError(known.error.code, `--detector: ${known.error.message}`, 'or use --detector best');
  const seed = Number(values.seed ?? '1');
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new StartupError('CONFIG_INVALID', `--seed must be an integer 0..4294967295, not ${JSON.stringify(values.seed)}`, 'e.g. --seed 1');
  return { dataset, dir: resolve(cwd, dir), detector, seed };
}

async function* allRows(files: readonly string[]): AsyncGenerator<HistoricalRow> {
  for (const f of files) yield* readHistoricalRows(f);
}

export async function runEval(values: Record<string, string | boolean | undefined>, io: Io): Promise<number> {
  const f = parseEvalFlags(values, io.cwd);
  const bar = (done: number, info: string) => io.err(`eval ${f.detector}: [${'#'.repeat(Math.round(20 * done)).padEnd(20, '.')}] ${Math.round(100 * done)} % ${info}`);
  let scored;
  if (f.dataset === 'skab') {
    const files = await readSkabDir(f.dir);
    scored = await runSkab(files, f.detector, { seed: f.seed, onFile: (d, n, name) => bar(d / n, name) });
  } else {
    const files = await listHistoricalFiles(f.dir);
    if (files.length === 0) throw new StartupError('DATASET_INVALID', `no serie_temporal_*.json files in ${f.dir}`, 'generate them with "typedcluster sim historical"');
    // A data set carries the model it was generated with; judge it by that one.
    const own = join(f.dir, 'modelo_tipico.json');
    const model = existsSync(own) ? loadPhaseModel(own) : phaseModelOf(io.env);
    scored = await runSim(allRows(files), f.detector, { seed: f.seed, model, onProgress: (d, info) => bar(d, info) });
  }
  const report = buildReport(f.dataset, f.detector, scored);
  for (const l of report.lines) io.out(l);
  io.out(JSON.stringify(report.json));
  return 0;
}
