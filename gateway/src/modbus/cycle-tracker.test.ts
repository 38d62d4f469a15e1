import assert from 'node:assert/strict';
import { decodePlcImage, encodePlcImage, PLC_STATUS, type PlcImage } from '@typedcluster/core';
import { createCycleTracker } from './cycle-tracker.js';

const T = 1_740_000_000_000;
const phasesOf = (k: number) => Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => k + p + s / 10));
const imageOf = (seq: number, k: number | undefined, extra: Partial<PlcImage> = {}): PlcImage => ({
  status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID,
  updateSeq: seq,
  phase: 5,
  phaseCycle: 1,
  sensors: [1, 2, 3, 4, 5],
  lastCycle: k === undefined ? undefined : { cycle: T / 30_000 + k, cycleStart: T + k * 30_000, phases: phasesOf(k) },
  ...extra,
});
/** As the poller sees it: through the register codec. */
const observe = (t: ReturnType<typeof createCycleTracker>, img: PlcImage) => {
  const words = encodePlcImage(img);
  const d = decodePlcImage(words);
  assert.ok(d.ok);
  const r = t.observe(d.value, words);
  return r.ok ? r.value : r.error.code;
};

describe('cycle tracker (docs/modbus.md §5)', () => {
  it('takes the first image as a baseline, then seals each new latched cycle once', () => {
    const t = createCycleTracker();
    assert.deepEqual(observe(t, imageOf(1, 0)), { kind: 'baseline' });
    assert.deepEqual(observe(t, imageOf(1, 0)), { kind: 'nothing-new' });
    assert.deepEqual(observe(t, imageOf(2, 0, { phase: 1 })), { kind: 'nothing-new' }, 'a phase moved on, no new cycle');
    const r = observe(t, imageOf(3, 1));
    assert.ok(typeof r === 'object' && r.kind === 'cycle');
    assert.equal(r.cycle.cycleStart, T + 30_000);
    assert.equal(r.missed, 0);
    assert.equal(r.cycle.phases[2]?.[3], Math.fround(1 + 2 + 3 / 10), 'values as read (float32)');
    assert.deepEqual(observe(t, imageOf(4, 1, { phase: 1 })), { kind: 'nothing-new' });
  });

  it('counts cycles it never saw', () => {
    const t = createCycleTracker();
    observe(t, imageOf(1, 0));
    const r = observe(t, imageOf(9, 4));
    assert.ok(typeof r === 'object' && r.kind === 'cycle');
    assert.equal(r.missed, 3);
  });

  it('seals the first latched cycle when the PLC had none at start', () => {
    const t = createCycleTracker();
    assert.deepEqual(observe(t, imageOf(1, undefined, { status: PLC_STATUS.RUNNING, phase: 0 })), { kind: 'baseline' });
    const r = observe(t, imageOf(2, 0));
    assert.ok(typeof r === 'object' && r.kind === 'cycle');
    assert.equal(r.missed, 0);
  });

  it('reports changed registers under the same update counter', () => {
    const t = createCycleTracker();
    observe(t, imageOf(5, 0));
    assert.equal(observe(t, imageOf(5, 1)), 'MODBUS_STALE_COUNTER');
  });

  it('reports a latched cycle that goes back in time or changes under the same start', () => {
    const t = createCycleTracker();
    observe(t, imageOf(1, 3));
    assert.equal(observe(t, imageOf(2, 2)), 'MODBUS_STALE_COUNTER');
    const changed = imageOf(3, 3);
    assert.equal(observe(t, { ...changed, lastCycle: { ...changed.lastCycle!, phases: phasesOf(7) } }), 'MODBUS_STALE_COUNTER');
    const r = observe(t, imageOf(4, 4));
    assert.ok(typeof r === 'object' && r.kind === 'cycle', 'a good image after garbage is taken');
  });

  it('reports the sensor-fault bit and seals nothing while it is set', () => {
    const t = createCycleTracker();
    observe(t, imageOf(1, 0));
    assert.equal(observe(t, imageOf(2, 1, { status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID | PLC_STATUS.SENSOR_FAULT })), 'MODBUS_DEVICE_FAULT');
    const r = observe(t, imageOf(3, 1));
    assert.ok(typeof r === 'object' && r.kind === 'cycle', 'the cycle is taken once the fault clears');
  });

  it('takes a PLC restart (counter back to 1) without resending its latched cycle', () => {
    const t = createCycleTracker();
    observe(t, imageOf(40, 2));
    assert.deepEqual(observe(t, imageOf(1, 2)), { kind: 'nothing-new' });
    const r = observe(t, imageOf(2, 3));
    assert.ok(typeof r === 'object' && r.kind === 'cycle');
  });
});
