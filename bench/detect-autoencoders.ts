// The autoencoder section of `npm run bench:detect`: training samples per second and cycles scored per
// second for dense-autoencoder and lstm-autoencoder on the TensorFlow.js backend in use (TF_BACKEND forces one).
import { createAutoencoder, useTfBackend } from '@typedcluster/detectors';
import type { Sample, TfBackendName } from '@typedcluster/detectors';

const FEATURES = ['s1', 's2', 's3', 's4', 's5'];

/**
 * Sizes keep the default run short on two CPU cores with wasm (the LSTM is
 * the slow one): a fixed number of epochs, early stopping off (patience =
 * epochs), so every run trains the same amount of work.
 */
const PLAN = {
  dense: { trainCycles: 4000, epochs: 8, scoreCycles: 1000 },
  lstm: { trainCycles: 1200, epochs: 4, scoreCycles: 200 },
} as const;

export interface AutoencoderBenchResult {
  readonly train_samples: number;
  readonly epochs: number;
  readonly train_samples_per_s: number;
  readonly cycles_per_s: number;
}

export async function benchAutoencoders(cycles: (n: number, seed: number) => Sample[]): Promise<Record<string, unknown>> {
  const backend: TfBackendName = (await useTfBackend({ ...(process.env['TF_BACKEND'] ? { prefer: process.env['TF_BACKEND'] as TfBackendName } : {}) })).name;
  const out: Record<string, AutoencoderBenchResult> = {};
  for (const kind of ['dense', 'lstm'] as const) {
    const p = PLAN[kind];
    const d = createAutoencoder(kind, { seed: 1, network: { maxEpochs: p.epochs, patience: p.epochs } });
    const report = await d.fit([cycles(p.trainCycles / 2, 11), cycles(p.trainCycles / 2, 12)], { features: FEATURES, seed: 1 });
    const scorer = d.scorer();
    const test = cycles(p.scoreCycles, 13);
    const t0 = performance.now();
    for (const x of test) scorer.score(x);
    const s = (performance.now() - t0) / 1000;
    const name = `${kind}-autoencoder`;
    out[name] = {
      train_samples: report.metrics['train_rows'] ?? report.samples,
      epochs: report.metrics['epochs'] ?? p.epochs,
      train_samples_per_s: Math.round(report.metrics['samples_per_second'] ?? 0),
      cycles_per_s: Math.round(p.scoreCycles / s),
    };
    const r = out[name];
    console.log(`${name.padEnd(18)} trains ${r.train_samples_per_s.toLocaleString('en')} samples/s (${r.train_samples} × ${r.epochs} epochs, ${backend}), ${r.cycles_per_s.toLocaleString('en')} cycles/s scored`);
  }
  return { tf_backend: backend, autoencoders: out };
}
