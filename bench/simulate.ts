// npm run bench:simulate: rows/s and peak RSS of the historical mode (writeHistoricalDataset), JSON line last.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHistoricalDataset } from '@typedcluster/core';
import { benchArgs } from './bench-args.js';

const args = benchArgs('bench:simulate', 'Historical data set generation: rows/s and peak RSS (the files go to a temporary folder, removed after).', {
  plcs: { type: 'string', default: '50', description: 'PLCs' },
  days: { type: 'string', default: '7', description: 'days of 30-second cycles (a month: --days 31)' },
  temperature: { type: 'string', default: '0.3', description: 'anomaly temperature 0..1' },
  csv: { type: 'boolean', default: false, description: 'also write the CSV twins' },
  keep: { type: 'boolean', default: false, description: 'keep the files (their folder is printed)' },
});
const plcs = Number(args.plcs);
const days = Number(args.days);
const temperature = Number(args.temperature);
if (!(Number.isInteger(plcs) && plcs >= 1 && Number.isFinite(days) && days > 0 && temperature >= 0 && temperature <= 1)) {
  process.stderr.write('error: --plcs must be an integer ≥ 1, --days a number > 0, --temperature in 0..1\n');
  process.exit(2);
}

const out = await mkdtemp(join(tmpdir(), 'bench-simulate-'));
const from = Date.UTC(2026, 0, 1);
const to = from + Math.round(days * 86_400_000);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await writeHistoricalDataset({ plcs, from, to, temperature, seed: 1, out, csv: args.csv });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
let bytes = 0;
for (const f of await readdir(out)) bytes += (await stat(join(out, f))).size;
if (!args.keep) await rm(out, { recursive: true, force: true });
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const rowsPerS = summary.rows / seconds;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

console.log(`historical generation: ${plcs} PLCs × ${days} days at temperature ${temperature}${args.csv ? ', with CSV' : ''}`);
console.log(`rows          ${summary.rows} (${summary.anomalousRows} labelled anomalous) in ${summary.files.length} files, ${round(bytes / 1048576)} MiB${args.keep ? ` in ${out}` : ''}`);
console.log(`time          ${round(seconds, 2)} s wall, ${round((cpu.user + cpu.system) / 1e6, 2)} s CPU`);
console.log(`throughput    ${Math.round(rowsPerS)} rows/s, ${round(bytes / 1048576 / seconds)} MiB/s (${Math.round(summary.rows / ((cpu.user + cpu.system) / 1e6))} rows per CPU second; wall waits on the disk)`);
console.log(`peak RSS      ${round(peakRssMb)} MiB (whole process)`);
console.log(`a month       ≈ ${round((plcs * 31 * 2880 * 5) / rowsPerS / 60)} min for ${plcs} PLCs at this rate; memory does not grow with the range`);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({ plcs, days, temperature, csv: args.csv, rows: summary.rows, anomalous_rows: summary.anomalousRows, bytes, seconds: round(seconds, 3), cpu_seconds: round(cpuSeconds, 3), rows_per_s: Math.round(rowsPerS), rows_per_cpu_s: Math.round(summary.rows / cpuSeconds), peak_rss_mb: round(peakRssMb) }));
