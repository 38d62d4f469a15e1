import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import { calibrateThreshold, percentile } from './calibrate-threshold.js';

describe('threshold calibration', () => {
  it('percentile interpolates linearly between ranks (numpy default)', () => {
    assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
    assert.equal(percentile([5, 1, 4, 2, 3], 100), 5);
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([0, 10], 99), 9.9);
  });

  it('threshold = P_p + margin · (P_p − P_50)', () => {
    const scores = Array.from({ length: 101 }, (_, i) => i); // P99 = 99, P50 = 50
    assert.equal(calibrateThreshold(scores, { percentile: 99, margin: 0 }), 99);
    assert.equal(calibrateThreshold(scores, { percentile: 99, margin: 0.1 }), 99 + 4.9);
  });

  it('keeps the floor when every normal score is 0', () => {
    assert.equal(calibrateThreshold([0, 0, 0], { percentile: 100, margin: 0, floor: 0.02 }), 0.02);
  });

  it('ignores non-finite scores and refuses to calibrate on nothing', () => {
    assert.equal(calibrateThreshold([1, Number.NaN, Infinity, 1], { margin: 0 }), 1);
    assert.throws(() => calibrateThreshold([Number.NaN]), (e: unknown) => e instanceof StartupError && e.code === 'DETECTOR_FIT_FAILED');
    assert.throws(() => calibrateThreshold([1], { percentile: 120 }), (e: unknown) => e instanceof StartupError && e.code === 'DETECTOR_FIT_FAILED');
  });
});
