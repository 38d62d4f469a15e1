import { fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';

/**
 * One SKAB file (`;`-separated, header, `datetime` first, then the sensors,
 * then `anomaly` and `changepoint` in labelled files). Values that are not
 * numbers become null (the detectors report them unusable); a label that is
 * not 0 or 1 is a DATASET_INVALID naming the file, row and column.
 */
export interface SkabFile {
  readonly name: string;
  readonly features: readonly string[];
  readonly rows: readonly (readonly (number | null)[])[];
  /** Point-wise `anomaly` labels; undefined for unlabelled files (anomaly-free.csv). */
  readonly labels?: readonly (0 | 1)[];
}

const LABELS = ['anomaly', 'changepoint'];

export function parseSkabCsv(name: string, text: string): Result<SkabFile> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(';').map((h) => h.trim());
  if (!header || header[0] !== 'datetime' || header.length < 2) return fail('DATASET_INVALID', `${name}: header must start with "datetime;" and name the sensors`, name);
  const anomalyAt = header.indexOf('anomaly');
  const featureCols = header.map((h, i) => ({ h, i })).filter(({ h, i }) => i > 0 && !LABELS.includes(h));
  if (featureCols.length === 0) return fail('DATASET_INVALID', `${name}: no sensor columns`, name);
  const rows: (number | null)[][] = [];
  const labels: (0 | 1)[] = [];
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r]!.split(';');
    if (cells.length !== header.length) return fail('DATASET_INVALID', `${name} row ${r + 1}: ${cells.length} columns, the header has ${header.length}`, `${name}:${r + 1}`);
    rows.push(featureCols.map(({ i }) => {
      const v = Number(cells[i]);
      return cells[i]!.trim() !== '' && Number.isFinite(v) ? v : null;
    }));
    if (anomalyAt >= 0) {
      const y = Number(cells[anomalyAt]);
      if (y !== 0 && y !== 1) return fail('DATASET_INVALID', `${name} row ${r + 1}: anomaly is ${JSON.stringify(cells[anomalyAt])}, not 0 or 1`, `${name}:${r + 1}:anomaly`);
      labels.push(y);
    }
  }
  if (rows.length === 0) return fail('DATASET_INVALID', `${name}: no rows`, name);
  return ok({ name, features: featureCols.map(({ h }) => h), rows, ...(anomalyAt >= 0 ? { labels } : {}) });
}
