import { loadPhaseModel, systemRandom, writeHistoricalDataset, ALL_ANOMALY_KINDS } from '@typedcluster/core';
import type { Io } from '../command.js';
import { parseHistoricalFlags } from './historical-flags.js';
import { createProgressBar } from './progress-bar.js';
import type { ProgressOutput } from './progress-bar.js';

/** Writes to the process's stderr: a bar in place on a terminal, lines otherwise. */
export const stderrProgress = (io: Io): ProgressOutput => ({ tty: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t), line: io.err });

/**
 * `typedcluster sim historical`: checks the flags, loads the phase model,
 * streams the data set to --out with a progress bar, and prints what it wrote.
 */
export async function runHistorical(values: Record<string, string | boolean | undefined>, io: Io, progress: ProgressOutput = stderrProgress(io)): Promise<number> {
  const flags = parseHistoricalFlags(values, io);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  const model = f.model === undefined ? undefined : loadPhaseModel(f.model);
  const seed = f.seed ?? Buffer.from(systemRandom(4)).readUInt32BE(0);
  const days = (f.to - f.from) / 86_400_000;
  io.out(`sim historical: ${f.plcs} PLC${f.plcs > 1 ? 's' : ''}, ${new Date(f.from).toISOString()} → ${new Date(f.to).toISOString()} (${days.toFixed(days < 1 ? 3 : 1)} days), temperature ${f.temperature}, seed ${seed} (--seed ${seed} repeats the bytes), model ${f.model ?? 'built-in'}`);
  const bar = createProgressBar(progress, 'sim historical');
  const started = Date.now();
  const summary = await writeHistoricalDataset({
    plcs: f.plcs,
    from: f.from,
    to: f.to,
    temperature: f.temperature,
    seed,
    out: f.out,
    csv: f.csv,
    ...(model ? { model } : {}),
    progressEvery: 20_000,
    onProgress: (p) => bar.update(p.fraction, `${p.day} ${p.rows.toLocaleString('en-US')} rows`),
  });
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  bar.done(`${summary.rows.toLocaleString('en-US')} rows`);
  const json = summary.files.filter((n) => n.endsWith('.json'));
  io.out(`wrote ${json.length} day file${json.length === 1 ? '' : 's'} (${json[0]} … ${json.at(-1)})${f.csv ? ' and their .csv twins' : ''} and modelo_tipico.json to ${f.out}`);
  io.out(`${summary.rows} rows, ${summary.anomalousRows} labelled anomalous, in ${seconds.toFixed(1)} s (${Math.round(summary.rows / seconds)} rows/s)`);
  io.out(`anomaly episodes: ${ALL_ANOMALY_KINDS.map((k) => `${k} ${summary.episodes[k]}`).join(', ')}`);
  return 0;
}
