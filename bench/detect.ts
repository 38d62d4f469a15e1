// npm run bench:detect — cycles scored per second for each detector (a cycle = 5 phase samples of 5 sensors),
// on synthetic normal data from the phase model; then the autoencoders' training samples/s and cycles/s on the
// TensorFlow.js backend in use (detect-autoencoders.ts). Human lines first, one JSON line last.
import { createPrng, sampleNormalCycle } from '@typedcluster/core';
import { createDetector } from '@typedcluster/detectors';
import type { Sample } from '@typedcluster/detectors';
import { benchAutoencoders } from './detect-autoencoders.js';

const FEATURES = ['s1', 's2', 's3', 's4', 's5'];
const CLASSICAL = ['phase-range', 'zscore', 'iqr', 'ewma', 'pca', 'drift-t2', 'isolation-forest'];

function cycles(n: number, seed: number): Sample[] {
  const r = createPrng(seed);
  return Array.from({ length: n }, () => sampleNormalCycle(() => r.next()).map((values, p) => ({ group: p + 1, values }))).flat();
}

/**
 * Extension point: other benches (autoencoder training samples/s on the TF
 * backend in use) push a function here; each returns its JSON fields.
 */
export const EXTRA_BENCHES: Array<() => Promise<Record<string, unknown>>> = [];
EXTRA_BENCHES.push(() => benchAutoencoders(cycles));

async function main(): Promise<void> {
  const train = [cycles(2000, 1), cycles(2000, 2)];
  const test = cycles(5000, 3);
  const results: Record<string, { fit_s: number; cycles_per_s: number }> = {};
  for (const name of CLASSICAL) {
    const d = createDetector(name, { seed: 1 });
    if (!d.ok) throw new Error(d.error.message);
    const t0 = performance.now();
    await d.value.fit(train, { features: FEATURES, seed: 1 });
    const fitS = (performance.now() - t0) / 1000;
    const scorer = d.value.scorer();
    const t1 = performance.now();
    for (const x of test) scorer.score(x);
    const s = (performance.now() - t1) / 1000;
    results[name] = { fit_s: Number(fitS.toFixed(3)), cycles_per_s: Math.round(test.length / 5 / s) };
    console.log(`${name.padEnd(18)} fit ${fitS.toFixed(2)} s on ${train.flat().length} samples, ${results[name].cycles_per_s.toLocaleString('en')} cycles/s scored`);
  }
  const extra: Record<string, unknown> = {};
  for (const b of EXTRA_BENCHES) Object.assign(extra, await b());
  console.log(JSON.stringify({ bench: 'detect', cycles_scored: test.length / 5, detectors: results, ...extra }));
}

await main();
