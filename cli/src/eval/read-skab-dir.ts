import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { StartupError } from '@typedcluster/core';
import { parseSkabCsv } from '@typedcluster/detectors';
import type { SkabFile } from '@typedcluster/detectors';

/** Every `*.csv` under `dir` (recursively, sorted by path with numbers in order), parsed as SKAB files. */
export async function readSkabDir(dir: string): Promise<SkabFile[]> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })).filter((p) => p.endsWith('.csv'));
  } catch (e) {
    throw new StartupError('DATASET_INVALID', `cannot read SKAB folder ${dir}: ${(e as Error).message}`, 'point --dir at the SKAB data, e.g. ../shared/datasets/skab');
  }
  entries.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const files: SkabFile[] = [];
  for (const p of entries) {
    const r = parseSkabCsv(relative(dir, join(dir, p)), await readFile(join(dir, p), 'utf8'));
    if (!r.ok) throw new StartupError(r.error.code, r.error.message, 'fix or remove that file');
    files.push(r.value);
  }
  return files;
}
