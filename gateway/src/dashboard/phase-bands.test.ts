import assert from 'node:assert/strict';
import { TYPICAL_MODEL } from '@typedcluster/core';
import { decimateMinMax } from './decimate.js';
import type { PhaseRow } from './dashboard-types.js';
import { bandOf, excursion, seriesChunk } from './phase-bands.js';

const row = (phase: number, s: (number | null)[], t = phase * 6000): PhaseRow => ({ plc: 1, seq: '1', cycle: 1, phase, t, s });

describe('dashboard: phase bands', () => {
  it('takes each point\'s band from the loaded model, by sensor and phase, so the band steps at each phase', () => {
    const rows = [1, 2, 3, 4, 5].map((p) => row(p, [1, 1, 1, 1, 1]));
    const s1 = seriesChunk(TYPICAL_MODEL, rows, 's1');
    assert.deepEqual(s1.lo, TYPICAL_MODEL[0]!.map((r) => r[0]));
    assert.deepEqual(s1.hi, TYPICAL_MODEL[0]!.map((r) => r[1]));
    assert.deepEqual(s1.t, [6000, 12000, 18000, 24000, 30000]);
    const s4 = seriesChunk(TYPICAL_MODEL, rows, 's4');
    assert.deepEqual([s4.lo, s4.hi], [TYPICAL_MODEL[3]!.map((r) => r[0]), TYPICAL_MODEL[3]!.map((r) => r[1])]);
    // a plant's own model changes the bands
    const plant = TYPICAL_MODEL.map((ranges) => ranges.map(([lo, hi]) => [lo + 100, hi + 100] as const));
    assert.equal(seriesChunk(plant, rows, 's2').lo?.[2], TYPICAL_MODEL[1]![2]![0] + 100);
  });

  it('keeps nulls (NaN from the sensor) as gaps', () => {
    assert.deepEqual(seriesChunk(TYPICAL_MODEL, [row(1, [null, 2, 3, 4, 0.5])], 's1').v, [null]);
  });

  it('measures the excursion outside the bands in band widths, 0 inside', () => {
    assert.equal(excursion(TYPICAL_MODEL, row(1, [2, 2, 2, 10, 0.5])), 0);
    // phase 3, s1 band [15, 16] (width 1): 18 is 2 widths above
    assert.equal(excursion(TYPICAL_MODEL, row(3, [18, 12, 25, 37, 3.5])), 2);
    // phase 2, s3 band [10, 20] (width 10): 5 is half a width below; the worst sensor wins
    assert.equal(excursion(TYPICAL_MODEL, row(2, [7, 2, 5, 32, 1.5])), 0.5);
    assert.equal(excursion(TYPICAL_MODEL, row(2, [null, null, null, null, null])), null);
    assert.equal(bandOf(TYPICAL_MODEL, 0, 6), undefined);
  });
});

describe('dashboard: min/max decimation', () => {
  it('keeps everything under the cap', () => {
    assert.deepEqual(decimateMinMax(4, 10, () => 1), [0, 1, 2, 3]);
  });

  it('caps the points, keeps a lone spike and the last point, ascending', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i === 537 ? 99 : Math.sin(i / 10)));
    const keep = decimateMinMax(values.length, 101, (i) => values[i]!);
    assert.ok(keep.length <= 101, `${keep.length}`);
    assert.ok(keep.includes(537));
    assert.equal(keep[keep.length - 1], 999);
    assert.deepEqual(keep, [...keep].sort((a, b) => a - b));
    assert.equal(new Set(keep).size, keep.length);
  });

  it('treats nulls as gaps, not as values', () => {
    const values = [null, null, 5, null, 1, null, null, null, null, 3];
    const keep = decimateMinMax(values.length, 5, (i) => values[i] ?? null);
    assert.ok(keep.length <= 5);
    assert.ok(keep.includes(2) && keep.includes(4));
  });
});
