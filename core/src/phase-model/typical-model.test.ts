import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { phaseModelToJson } from './phase-model-json.js';
import { PHASES, SENSORS, TYPICAL_MODEL, phaseModelOf, sampleNormalCycle } from './typical-model.js';

describe('typical phase model', () => {
  it('has min <= max for every sensor and phase (s5 bounds normalised)', () => {
    assert.equal(TYPICAL_MODEL.length, SENSORS);
    for (const ranges of TYPICAL_MODEL) {
      assert.equal(ranges.length, PHASES);
      for (const [min, max] of ranges) assert.ok(min <= max, `${min} > ${max}`);
    }
    assert.deepEqual(TYPICAL_MODEL[4]?.[3], [2, 3]);
    assert.deepEqual(TYPICAL_MODEL[4]?.[4], [0, 1]);
  });

  it('samples every value inside its range', () => {
    let x = 0.123;
    const random = () => (x = (x * 9301 + 0.49297) % 1);
    for (let i = 0; i < 50; i++) {
      const c = sampleNormalCycle(random);
      c.forEach((phase, p) => phase.forEach((v, s) => {
        const [min, max] = TYPICAL_MODEL[s]![p]!;
        assert.ok(v >= min && v <= max, `s${s + 1} phase ${p + 1}: ${v}`);
      }));
    }
  });

  it('phaseModelOf: the built-in model without PHASE_MODEL_FILE, the plant\'s file with it, a clear MODEL_INVALID for a bad one', () => {
    assert.equal(phaseModelOf({}), TYPICAL_MODEL);
    const dir = mkdtempSync(join(tmpdir(), 'phase-model-'));
    const plant = TYPICAL_MODEL.map((ranges) => ranges.map(([lo, hi]) => [lo + 100, hi + 100] as const));
    writeFileSync(join(dir, 'plant.json'), phaseModelToJson(plant, 'a plant that runs 100 higher'));
    assert.deepEqual(phaseModelOf({ PHASE_MODEL_FILE: join(dir, 'plant.json') }), plant);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ sensors: { s1: [[5, 0]] } }));
    assert.throws(() => phaseModelOf({ PHASE_MODEL_FILE: join(dir, 'bad.json') }), (e: unknown) => e instanceof StartupError && e.code === 'MODEL_INVALID');
  });
});
