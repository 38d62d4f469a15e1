// Reproduces drift-t2's choice: node --conditions=typescript --import tsx detectors/src/eval/skab-lofo-run.ts DIR
// Prints every configuration on all files, the choice per held-out file, then the pooled LOFO figure as a JSON line.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSkabCsv } from './skab-csv.js';
import type { SkabFile } from './skab-csv.js';
import { DRIFT_T2_GRID, leaveOneFileOut } from './skab-lofo.js';

const dir = process.argv[2] ?? '../shared/datasets/skab';
const names = (await readdir(dir, { recursive: true })).filter((p) => p.endsWith('.csv')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const files: SkabFile[] = [];
for (const n of names) {
  const r = parseSkabCsv(n, await readFile(join(dir, n), 'utf8'));
  if (!r.ok) throw new Error(r.error.message);
  files.push(r.value);
}
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const res = await leaveOneFileOut(files, DRIFT_T2_GRID);
for (const { label, summary: s } of res.all) console.log(`${label.padEnd(40)} F1 ${s.f1.toFixed(3)}  FAR ${pct(s.far).padStart(7)}  MAR ${pct(s.mar).padStart(7)}`);
for (const c of res.chosen) console.log(`held out ${c.file}: chose ${c.label}`);
console.log(`LOFO (honest): F1 ${res.lofo.f1.toFixed(3)}  FAR ${pct(res.lofo.far)}  MAR ${pct(res.lofo.mar)}`);
console.log(JSON.stringify({ lofo: { f1: res.lofo.f1, far: res.lofo.far, mar: res.lofo.mar }, chosen: res.chosen }));
