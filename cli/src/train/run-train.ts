import { StartupError } from '@typedcluster/core';
import { SIM_FEATURES, createAutoencoder, createDetector, createModelRegistry, createSmoothedDetector, currentTfBackend, type Detector, type FitReport } from '@typedcluster/detectors';
import type { Io } from '../command.js';
import { withPlatform } from '../platform/with-platform.js';
import { createProgressBar, type ProgressOutput } from '../sim/progress-bar.js';
import { stderrProgress } from '../sim/run-historical.js';
import { readTrainingFromDb, readTrainingFromDir, type TrainingData } from './read-training-data.js';
import { baseDetectorName, isAutoencoder, parseTrainFlags, type TrainFlags } from './train-flags.js';

/** The PLC features every model is trained on; detect-anomaly refuses a model with others. */
const FEATURES = SIM_FEATURES;

function makeDetector(f: TrainFlags): Detector {
  if (f.epochs === undefined) {
    const d = createDetector(f.detector, { seed: f.seed });
    if (!d.ok) throw new StartupError(d.error.code, `--detector: ${d.error.message}`, 'see "typedcluster train --help"');
    return d.value;
  }
  // --epochs overrides the network's maxEpochs; only the autoencoders have one (train-flags.ts checks).
  const base = baseDetectorName(f.detector);
  const inner = createAutoencoder(base === 'lstm-autoencoder' ? 'lstm' : 'dense', { seed: f.seed, network: { maxEpochs: f.epochs } });
  const window = /~(\d+)$/.exec(f.detector)?.[1];
  return window === undefined ? inner : createSmoothedDetector(inner, Number(window));
}

async function fitDetector(d: Detector, data: TrainingData, f: TrainFlags, progress: ProgressOutput): Promise<FitReport> {
  const streams = [...data.streams.values()];
  if (streams.every((s) => s.length === 0)) {
    throw new StartupError('DETECTOR_FIT_FAILED', `no normal rows to train on (${data.rowsRead} read, ${data.rowsExcluded} anomalous)`, f.source.kind === 'db' ? 'widen --from/--to or --plcs' : 'generate a longer data set');
  }
  const bar = createProgressBar(progress, `train ${f.detector}`);
  let last = '';
  try {
    const report = await d.fit(streams, { features: FEATURES, seed: f.seed, onProgress: (x, info) => bar.update(x, (last = info ?? last)) });
    bar.done(last || 'fitted');
    return report;
  } catch (e) {
    if (e instanceof StartupError) throw e;
    throw new StartupError('DETECTOR_FIT_FAILED', `${f.detector}: ${(e as Error).message}`, 'check the data (enough normal rows per phase)');
  }
}

const finiteMetrics = (m: Readonly<Record<string, number>>): Record<string, number> => Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));

/**
 * `typedcluster train`: reads normal rows (train-flags.ts, read-training-data.ts),
 * fits the detector with a progress bar, saves it to the model registry
 * (algorithm, version, params, metrics, artefact), activates it with
 * --activate, prints a summary and a JSON line last.
 */
export async function runTrain(values: Record<string, string | boolean | undefined>, io: Io, progress: ProgressOutput = stderrProgress(io)): Promise<number> {
  const flags = parseTrainFlags(values, io.cwd);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  const detector = makeDetector(f);
  return withPlatform(io, async (p) => {
    const started = Date.now();
    const reading = createProgressBar(progress, 'train: reading');
    const data = f.source.kind === 'dir' ? await readTrainingFromDir(f.source.dir, reading.update) : await readTrainingFromDb(p.database.db, f.source, reading.update);
    reading.done(`${data.rowsRead.toLocaleString('en-US')} rows read, ${data.rowsExcluded.toLocaleString('en-US')} left out as anomalous`);
    const report = await fitDetector(detector, data, f, progress);
    const backend = isAutoencoder(f.detector) ? (await currentTfBackend())?.name : undefined;
    const plcs = [...data.streams.keys()];
    const normalRows = [...data.streams.values()].reduce((n, s) => n + s.length, 0);
    const metrics = finiteMetrics({ ...report.metrics, threshold: report.threshold, samples: report.samples, rows_read: data.rowsRead, rows_excluded: data.rowsExcluded, rows_normal: normalRows });
    const trainedOn = {
      ...(f.source.kind === 'dir'
        ? { source: 'dir', dir: f.source.dir }
        : { source: 'database', from: f.source.from === undefined ? null : new Date(f.source.from).toISOString(), to: f.source.to === undefined ? null : new Date(f.source.to).toISOString() }),
      plcs,
      first: data.first ?? null,
      last: data.last ?? null,
      seed: f.seed,
      ...(backend ? { backend } : {}),
    };
    const saved = await createModelRegistry(p.database.db).save({ artefact: detector.save(), metrics, trainedOn, activate: f.activate });
    if (!saved.ok) {
      io.err(`error ${saved.error.code}: ${saved.error.message}`);
      return 1;
    }
    const m = saved.value;
    const seconds = (Date.now() - started) / 1000;
    io.out(`trained ${m.algorithm} v${m.version} on ${report.samples.toLocaleString('en-US')} samples from ${plcs.length} PLC${plcs.length === 1 ? '' : 's'} (${plcs.join(', ')}), ${data.first ?? '?'} → ${data.last ?? '?'}${backend ? `, backend ${backend}` : ''}`);
    io.out(`threshold ${report.threshold.toPrecision(4)}; ${Object.entries(report.metrics).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`).join(' ')}`);
    io.out(m.active ? `${m.algorithm} v${m.version} is active: detect-anomaly switches to it within MODEL_POLL_INTERVAL` : `activate it with "typedcluster models activate ${m.algorithm} ${m.version}"`);
    io.out(JSON.stringify({ detector: m.algorithm, version: m.version, active: m.active, samples: report.samples, threshold: Number.isFinite(report.threshold) ? report.threshold : null, plcs, rows_read: data.rowsRead, rows_excluded: data.rowsExcluded, rows_normal: normalRows, backend: backend ?? null, seconds: Math.round(seconds * 1000) / 1000, metrics: finiteMetrics(report.metrics) }));
    return 0;
  });
}
