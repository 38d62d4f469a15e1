import assert from 'node:assert/strict';
import { createSampleSource, decodePlcImage, PLC_STATUS, type CycleSample } from '@typedcluster/core';
import { createPlcModel, PHASE_MS } from './modbus-plc-model.js';

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0); // on the 30 s grid
const source = () => createSampleSource({ seed: 7, index: 0, stream: 'cycle', temperature: 0 });

describe('simulated Modbus PLC model (docs/modbus.md §3)', () => {
  it('starts with the last completed cycle latched, then shows each phase as it ends', () => {
    const reference = source();
    const before = reference.next(T0 - 30_000) as CycleSample;
    const cycle = reference.next(T0) as CycleSample;
    const m = createPlcModel(source(), T0 + 1000);
    assert.equal(m.image.lastCycle?.cycleStart, T0 - 30_000);
    assert.deepEqual(m.image.lastCycle?.phases, before.phases);
    assert.equal(m.image.phase, 5);
    assert.equal(m.nextBoundary, T0 + PHASE_MS);

    assert.equal(m.advanceTo(T0 + PHASE_MS - 1), false);
    assert.equal(m.advanceTo(T0 + PHASE_MS), true);
    assert.equal(m.image.phase, 1);
    assert.equal(m.image.phaseCycle, cycle.cycle);
    assert.deepEqual(m.image.sensors, cycle.phases[0]);
    assert.equal(m.image.lastCycle?.cycleStart, T0 - 30_000, 'the cycle is latched only when it ends');

    const seq = m.image.updateSeq;
    m.advanceTo(T0 + 30_000);
    assert.equal(m.image.updateSeq, seq + 4, 'one update per phase end');
    assert.equal(m.image.phase, 5);
    assert.equal(m.image.lastCycle?.cycleStart, T0);
    assert.deepEqual(m.image.lastCycle?.phases, cycle.phases);
    assert.equal(m.cycles, 2);
  });

  it('catches up over many phase ends at once (a slow machine) and keeps the registers decodable', () => {
    const m = createPlcModel(source(), T0);
    m.advanceTo(T0 + 10 * 30_000 + 2 * PHASE_MS);
    assert.equal(m.image.lastCycle?.cycleStart, T0 + 9 * 30_000);
    assert.equal(m.image.phase, 2);
    const d = decodePlcImage(m.words);
    assert.ok(d.ok);
    assert.equal(d.value.status, PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID | PLC_STATUS.CYCLE_VALID);
    assert.equal(d.value.lastCycle?.cycleStart, T0 + 9 * 30_000);
  });
});
