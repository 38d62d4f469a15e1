import assert from 'node:assert/strict';
import { createPrng, sampleNormalCycle } from '@typedcluster/core';
import { loadDetector } from '../detector-catalog.js';
import type { Detector, Sample, Score, ScoreResult, Stream } from '../detector.js';
import { createAutoencoder } from './autoencoder.js';
import type { NetworkKind } from './autoencoder-network.js';
import { useTfBackend } from './tf-backend.js';

const FEATURES = ['s1', 's2', 's3', 's4', 's5'];

/** Normal PLC cycles from the phase model, flattened to one sample per phase. */
function normalStream(seed: number, cycles: number): Sample[] {
  const prng = createPrng(seed);
  return Array.from({ length: cycles }, () => sampleNormalCycle(() => prng.next())).flatMap((phases) => phases.map((values, p) => ({ group: p + 1, values })));
}

const asScore = (r: ScoreResult): Score => {
  assert.ok(!('unusable' in r), `expected a score, got ${JSON.stringify(r)}`);
  return r as Score;
};

/** Scores a stream, returning the results of its last 5 samples (the last cycle). */
function scoreLastCycle(d: Detector, stream: Stream): ScoreResult[] {
  const scorer = d.scorer();
  return stream.map((s) => scorer.score(s)).slice(-5);
}

// Tiny data and few epochs: these check behaviour, not model quality.
const SMALL = { maxEpochs: 12, patience: 3 };

for (const kind of ['dense', 'lstm'] as NetworkKind[]) {
  describe(`${kind}-autoencoder`, function () {
    this.timeout(120_000);
    let d: Detector;
    const train: Stream[] = [normalStream(1, 50), normalStream(2, 50)];
    before(async () => {
      await useTfBackend();
      d = createAutoencoder(kind, { seed: 7, network: SMALL });
      const report = await d.fit(train, { features: FEATURES });
      assert.ok(report.threshold > 0 && Number.isFinite(report.threshold));
      assert.ok(report.metrics['epochs']! >= 1 && report.metrics['epochs']! <= SMALL.maxEpochs);
    });

    it('scores unseen normal cycles mostly below the threshold', () => {
      const fresh = normalStream(99, 40);
      const scorer = d.scorer();
      const flagged = fresh.map((s) => asScore(scorer.score(s))).filter((r) => r.isAnomaly).length;
      // Calibrated at the 99th percentile plus a margin: a few normal samples may still pass it.
      assert.ok(flagged <= fresh.length * 0.1, `${flagged} of ${fresh.length} normal samples flagged`);
    });

    it('flags an obvious anomaly, blames the sensor, and explains it', () => {
      const stream = normalStream(5, 3);
      // Phase 3 of the last cycle: s3 normal range is 20..30; 90 is far out.
      const last = stream.length - 3;
      stream[last] = { group: 3, values: stream[last]!.values.map((v, i) => (i === 2 ? 90 : v)) };
      const r = asScore(scoreLastCycle(d, stream)[2]!);
      assert.equal(r.isAnomaly, true);
      assert.ok(r.score > r.threshold);
      assert.ok(r.confidence > 0.5 && r.confidence <= 1);
      assert.equal(r.affected[0], 2);
      const s3 = r.findings[2]!;
      assert.equal(s3.value, 90);
      assert.ok(s3.range[1] < 90, `range ${s3.range} should exclude 90`);
      assert.ok(s3.expected < 60, `expected ${s3.expected} should be near the normal 20..30`);
    });

    it('answers missing values and unknown phases as unusable, never as normal', () => {
      const scorer = d.scorer();
      const missing = scorer.score({ group: 1, values: [1, null, 1, 1, 0.5] });
      assert.equal('unusable' in missing && missing.code, 'DETECTOR_INPUT_UNUSABLE');
      const nan = scorer.score({ group: 1, values: [1, Number.NaN, 1, 1, 0.5] });
      assert.equal('unusable' in nan && nan.code, 'DETECTOR_INPUT_UNUSABLE');
      const phase = scorer.score({ group: 9, values: [1, 1, 1, 1, 0.5] });
      assert.equal('unusable' in phase && phase.code, 'DETECTOR_UNKNOWN_GROUP');
      const short = scorer.score({ group: 1, values: [1, 1, 1] });
      assert.equal('unusable' in short && short.code, 'DETECTOR_INPUT_UNUSABLE');
    });

    it('saves and restores to the same scores', () => {
      const artefact = d.save();
      assert.ok(artefact.weights && artefact.weights.length > 0);
      // Through JSON, as the registry stores params.
      const restored = loadDetector({ ...artefact, params: JSON.parse(JSON.stringify(artefact.params)) }, FEATURES);
      assert.ok(restored.ok, JSON.stringify(!restored.ok && restored.error));
      const stream = normalStream(11, 2);
      const a = scoreLastCycle(d, stream).map((r) => asScore(r).score);
      const b = scoreLastCycle(restored.value, stream).map((r) => asScore(r).score);
      for (const [i, x] of a.entries()) assert.ok(Math.abs(x - b[i]!) < 1e-9, `sample ${i}: ${x} vs ${b[i]}`);
    });

    it('refuses a model for another sensor set and corrupt weights with clear codes', () => {
      const artefact = d.save();
      const other = loadDetector(artefact, ['t', 'p', 'h']);
      assert.equal(!other.ok && other.error.code, 'DETECTOR_FEATURES_MISMATCH');
      const flipped = Uint8Array.from(artefact.weights!);
      flipped[10] = flipped[10]! ^ 0xff;
      const corrupt = loadDetector({ ...artefact, weights: flipped });
      assert.equal(!corrupt.ok && corrupt.error.code, 'DETECTOR_ARTEFACT_CORRUPT');
      const truncated = loadDetector({ ...artefact, weights: artefact.weights!.subarray(0, 17) });
      assert.equal(!truncated.ok && truncated.error.code, 'DETECTOR_ARTEFACT_CORRUPT');
      const noThreshold = loadDetector({ ...artefact, params: { ...(artefact.params as object), threshold: 'x' } });
      assert.equal(!noThreshold.ok && noThreshold.error.code, 'DETECTOR_ARTEFACT_CORRUPT');
    });
  });
}

describe('autoencoder training', function () {
  this.timeout(120_000);
  before(() => useTfBackend());

  it('is reproducible: one seed, one threshold', async () => {
    const train = [normalStream(3, 30)];
    const fit = async () => (await createAutoencoder('dense', { seed: 42, network: { maxEpochs: 4 } }).fit(train, { features: FEATURES })).threshold;
    assert.equal(await fit(), await fit());
  });

  it('stops early when validation loss stops improving, reporting progress', async () => {
    const progress: number[] = [];
    const d = createAutoencoder('dense', { seed: 1, network: { maxEpochs: 300, patience: 1, learningRate: 0.05 } });
    const r = await d.fit([normalStream(4, 30)], { features: FEATURES, onProgress: (x) => progress.push(x) });
    assert.equal(r.metrics['stopped_early'], 1);
    assert.ok(r.metrics['epochs']! < 300);
    assert.ok(r.metrics['best_epoch']! <= r.metrics['epochs']!);
    assert.equal(progress.at(-1), 1);
  });

  it('refuses to train on too little usable data', async () => {
    const d = createAutoencoder('dense');
    const holes: Sample[] = Array.from({ length: 40 }, (_, i) => ({ group: 1 + (i % 5), values: [1, null, 1, 1, 1] }));
    await assert.rejects(d.fit([holes], { features: FEATURES }), (e: { code?: string }) => e.code === 'DETECTOR_FIT_FAILED');
  });
});
