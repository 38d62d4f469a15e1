import assert from 'node:assert/strict';
import { PHASES, SENSORS, TYPICAL_MODEL, sampleNormalCycle } from './typical-model.js';

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
});
