import assert from 'node:assert/strict';
import { createLogger, fail, ok } from '@typedcluster/core';
import { createDetector, loadDetector } from '../detector-catalog.js';
import { createActiveModel } from './active-model.js';
import type { ModelRegistry, StoredModel } from './model-registry.js';

const FEATURES = ['a', 'b'];

describe('active model', () => {
  it('retries a version whose load failed on the database, instead of skipping it for good', async () => {
    const d = createDetector('zscore');
    assert.ok(d.ok);
    const normal = Array.from({ length: 40 }, (_, i) => ({ group: 0, values: [i % 5, (i * 3) % 7] }));
    await d.value.fit([normal], { features: FEATURES });
    const stored: StoredModel = {
      algorithm: 'zscore', version: 1, features: FEATURES, metrics: {}, trainedOn: {}, createdAt: new Date(0), active: true, activatedAt: new Date(0), artefact: d.value.save(),
    };
    let loads = 0;
    // The registry's own interface, with a load that fails once as a dropped connection would.
    const registry: ModelRegistry = {
      save: async () => fail('DATABASE_ERROR', 'unused'),
      list: async () => ok([]),
      activate: async () => fail('DATABASE_ERROR', 'unused'),
      activeVersion: async () => ok({ algorithm: 'zscore', version: 1 }),
      load: async () => (++loads === 1 ? fail('DATABASE_ERROR', 'connection terminated') : ok(stored)),
    };
    const active = createActiveModel({ registry, restore: (a) => loadDetector(a, FEATURES), log: createLogger('t', { sink: () => {} }) });
    assert.equal(await active.check(), 'DATABASE_ERROR');
    assert.equal(active.current(), undefined);
    assert.equal(await active.check(), undefined);
    assert.equal(active.current()?.version, 1);
    assert.equal(loads, 2);
  });
});
