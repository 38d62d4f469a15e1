import assert from 'node:assert/strict';
import { TYPICAL_MODEL } from '@typedcluster/core';
import { CycleHistory } from './cycle-history.js';
import type { PhaseRow } from './dashboard-types.js';

/** Rows of whole cycles: cycle c, phase p at t = (c * 5 + p) * 6 s. */
const cycleRows = (plc: number, cycles: number[]): PhaseRow[] =>
  cycles.flatMap((c) => [1, 2, 3, 4, 5].map((p) => ({ plc, seq: String(c), cycle: c, phase: p, t: (c * 5 + p) * 6000, s: [p, p, p, p, p] })));

describe('dashboard: cycle history', () => {
  it('keeps the last `cap` rows per PLC in time order', () => {
    const h = new CycleHistory(10, TYPICAL_MODEL);
    h.add(cycleRows(1, [1, 2]), 1);
    h.add(cycleRows(2, [1]), 1);
    h.add(cycleRows(1, [3]), 2);
    assert.deepEqual(h.plcs(), [1, 2]);
    assert.deepEqual(h.rowsOf(1).map((r) => r.cycle), [2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    assert.equal(h.rowsOf(2).length, 5);
  });

  it('resumes a client from its tick: new rows as an append, a replace when it missed evicted rows', () => {
    const h = new CycleHistory(10, TYPICAL_MODEL);
    h.add(cycleRows(1, [1]), 1);
    h.add(cycleRows(1, [2]), 2);
    const resumed = h.since(1, 1, ['s1'], 10)!;
    assert.equal(resumed.replace, false);
    assert.deepEqual(resumed.series.s1?.t, cycleRows(1, [2]).map((r) => r.t));
    assert.equal(h.since(1, 2, ['s1'], 10), undefined);
    h.add(cycleRows(1, [3, 4]), 3); // evicts cycles 1 and 2
    assert.equal(h.since(1, 2, ['s1'], 10)!.replace, false, 'it had the evicted rows: it only needs cycles 3 and 4');
    assert.equal(h.since(1, 1, ['s1'], 10)!.replace, true, 'it never saw cycle 2, which is gone');
  });

  it('a late row (older than the newest) is put in order and the PLC is replaced', () => {
    const h = new CycleHistory(100, TYPICAL_MODEL);
    h.add(cycleRows(1, [1, 3]), 1);
    const { replaced } = h.add(cycleRows(1, [2]), 2);
    assert.deepEqual([...replaced], [1]);
    const t = h.rowsOf(1).map((r) => r.t);
    assert.deepEqual(t, [...t].sort((a, b) => a - b));
    assert.equal(h.since(1, 1, ['s1'], 100)!.replace, true);
  });

  it('decimates a snapshot to the points asked for, with bands for the kept points', () => {
    const h = new CycleHistory(300, TYPICAL_MODEL);
    h.add(cycleRows(1, Array.from({ length: 60 }, (_, i) => i)), 1);
    const snap = h.snapshot(1, ['s3', 'dev'], 31);
    assert.equal(snap.replace, true);
    assert.equal(snap.lastCycle, 59);
    const s3 = snap.series.s3!;
    assert.ok(s3.t.length <= 31 && s3.t.length > 10);
    assert.equal(s3.lo!.length, s3.t.length);
    for (const [i, p] of s3.phase.entries()) assert.deepEqual([s3.lo![i], s3.hi![i]], TYPICAL_MODEL[2]![p - 1]);
    assert.equal(snap.series.dev!.lo, undefined);
    assert.equal(snap.series.s1, undefined);
  });
});
