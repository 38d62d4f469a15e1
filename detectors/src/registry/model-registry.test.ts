import assert from 'node:assert/strict';
import { createLogger, createPrng, createTestDatabase, sampleNormalCycle, type TestDatabase } from '@typedcluster/core';
import { createDetector, loadDetector } from '../detector-catalog.js';
import type { Detector, Sample } from '../detector.js';
import { createAutoencoder } from '../tf/autoencoder.js';
import { useTfBackend } from '../tf/tf-backend.js';
import { createActiveModel, type LoadedModel } from './active-model.js';
import { createModelRegistry } from './model-registry.js';

const FEATURES = ['s1', 's2', 's3', 's4', 's5'];
const quiet = createLogger('test', { sink: () => {} });

function normalStream(seed: number, cycles: number): Sample[] {
  const prng = createPrng(seed);
  return Array.from({ length: cycles }, () => sampleNormalCycle(() => prng.next())).flatMap((phases) => phases.map((values, p) => ({ group: p + 1, values })));
}

async function trained(name: string, seed: number): Promise<Detector> {
  const made = createDetector(name);
  assert.ok(made.ok);
  const d = name === 'dense-autoencoder' ? createAutoencoder('dense', { seed, network: { maxEpochs: 3 } }) : made.value;
  await d.fit([normalStream(seed, 30)], { features: FEATURES, seed });
  return d;
}

describe('model registry @integration', function () {
  this.timeout(120_000);
  let t: TestDatabase;
  before(async () => {
    await useTfBackend();
    t = await createTestDatabase('model_registry');
  });
  after(() => t?.drop());

  it('numbers versions per algorithm, keeps metrics, and round-trips the artefact with its weights', async () => {
    const reg = createModelRegistry(t.db);
    const d = await trained('dense-autoencoder', 1);
    const v1 = await reg.save({ artefact: d.save(), metrics: { loss: 0.5 }, trainedOn: { dir: 'x' } });
    const v2 = await reg.save({ artefact: d.save() });
    const z1 = await reg.save({ artefact: (await trained('zscore', 1)).save() });
    assert.ok(v1.ok && v2.ok && z1.ok);
    assert.deepEqual([v1.value.version, v2.value.version, z1.value.version], [1, 2, 1]);
    assert.deepEqual(v1.value.metrics, { loss: 0.5 });
    assert.equal(v1.value.active, false);

    const loaded = await reg.load('dense-autoencoder', 1);
    assert.ok(loaded.ok);
    assert.deepEqual(loaded.value.artefact.weights, d.save().weights);
    assert.deepEqual(loaded.value.artefact.features, FEATURES);
    assert.ok(loadDetector(loaded.value.artefact, FEATURES).ok);

    const missing = await reg.load('dense-autoencoder', 99);
    assert.equal(!missing.ok && missing.error.code, 'MODEL_NOT_FOUND');
    const list = await reg.list('dense-autoencoder');
    assert.deepEqual(list.ok && list.value.map((m) => m.version), [1, 2]);
  });

  it('keeps at most one active version per algorithm; an unknown version changes nothing', async () => {
    const reg = createModelRegistry(t.db);
    assert.ok((await reg.activate('dense-autoencoder', 1)).ok);
    assert.ok((await reg.activate('dense-autoencoder', 2)).ok);
    const bad = await reg.activate('dense-autoencoder', 42);
    assert.equal(!bad.ok && bad.error.code, 'MODEL_NOT_FOUND');
    const list = await reg.list('dense-autoencoder');
    assert.deepEqual(list.ok && list.value.map((m) => [m.version, m.active]), [[1, false], [2, true]]);
    const active = await reg.activeVersion('dense-autoencoder');
    assert.deepEqual(active.ok && active.value, { algorithm: 'dense-autoencoder', version: 2 });
  });

  it('hot-reloads an activated version, and keeps the old one when the new artefact is corrupt', async () => {
    const reg = createModelRegistry(t.db);
    const changes: (LoadedModel | undefined)[] = [];
    const lines: string[] = [];
    const active = createActiveModel({
      registry: reg,
      algorithm: 'dense-autoencoder',
      restore: (a) => loadDetector(a, FEATURES),
      log: createLogger('t', { sink: (l) => lines.push(l) }),
      onChange: (m) => changes.push(m),
    });
    assert.equal(await active.check(), undefined);
    assert.equal(active.current()?.version, 2);

    const v3 = await reg.save({ artefact: (await trained('dense-autoencoder', 3)).save(), activate: true });
    assert.ok(v3.ok && v3.value.active);
    assert.equal(await active.check(), undefined);
    assert.equal(active.current()?.version, 3);
    assert.ok(active.current()!.detector.fitted);

    // A damaged artefact: flip bytes in the stored weights, then activate it.
    await reg.save({ artefact: (await trained('dense-autoencoder', 4)).save() });
    await t.db.query("UPDATE model_registry SET artefact = set_byte(artefact, 5, 255 - get_byte(artefact, 5)) WHERE algorithm = 'dense-autoencoder' AND version = 4");
    assert.ok((await reg.activate('dense-autoencoder', 4)).ok);
    assert.equal(await active.check(), 'DETECTOR_ARTEFACT_CORRUPT');
    assert.equal(active.current()?.version, 3, 'the previous model keeps scoring');
    assert.match(lines.join('\n'), /could not be loaded.*DETECTOR_ARTEFACT_CORRUPT/);
    assert.deepEqual(changes.map((m) => m?.version), [2, 3]);
  });

  it('refuses an active model trained for another sensor set', async () => {
    const reg = createModelRegistry(t.db);
    const d = createDetector('zscore');
    assert.ok(d.ok);
    await d.value.fit([normalStream(8, 20).map((s) => ({ ...s, values: s.values.slice(0, 3) }))], { features: ['t', 'p', 'h'] });
    const saved = await reg.save({ artefact: d.value.save(), activate: true });
    assert.ok(saved.ok);
    const active = createActiveModel({ registry: reg, algorithm: 'zscore', restore: (a) => loadDetector(a, FEATURES), log: quiet });
    assert.equal(await active.check(), 'DETECTOR_FEATURES_MISMATCH');
    assert.equal(active.current(), undefined);
  });
});
