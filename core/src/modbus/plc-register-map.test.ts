import assert from 'node:assert/strict';
import { decodePlcImage, encodePlcImage, PLC_REGISTER_COUNT, PLC_REGISTERS, PLC_STATUS, type PlcImage } from './plc-register-map.js';

const phases = Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => p * 10 + s + 0.5));
const image: PlcImage = {
  status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID,
  updateSeq: 0x0001_0002,
  phase: 3,
  phaseCycle: 58_000_001,
  sensors: [1.5, -2.25, 3, 4, 5],
  lastCycle: { cycle: 58_000_000, cycleStart: 58_000_000 * 30_000, phases },
};

describe('modbus register map (docs/modbus.md §2-§4)', () => {
  it('puts each field at its documented register, big-endian, high word first', () => {
    const w = encodePlcImage(image);
    assert.equal(w.length, PLC_REGISTER_COUNT);
    assert.equal(PLC_REGISTER_COUNT, 74);
    assert.deepEqual(w.slice(0, 3), [0x5443, 1, PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID | PLC_STATUS.CYCLE_VALID]);
    assert.deepEqual(w.slice(PLC_REGISTERS.updateSeq, PLC_REGISTERS.updateSeq + 2), [0x0001, 0x0002]);
    assert.equal(w[PLC_REGISTERS.phase], 3);
    // 1.5 = 0x3FC00000, -2.25 = 0xC0100000
    assert.deepEqual(w.slice(PLC_REGISTERS.sensors, PLC_REGISTERS.sensors + 4), [0x3fc0, 0x0000, 0xc010, 0x0000]);
    // 1 740 000 000 000 ms = 0x0000_0195_2014_F800
    assert.deepEqual(w.slice(PLC_REGISTERS.cycleStart, PLC_REGISTERS.cycleStart + 4), [0x0000, 0x0195, 0x2014, 0xf800]);
    // phase 2 s3 (p=1, s=2) = 12.5 = 0x41480000 at 24 + 2 × 7
    assert.deepEqual(w.slice(PLC_REGISTERS.cycleValues + 14, PLC_REGISTERS.cycleValues + 16), [0x4148, 0x0000]);
  });

  it('decodes what it encodes', () => {
    const r = decodePlcImage(encodePlcImage(image));
    assert.ok(r.ok);
    assert.deepEqual(r.value, { ...image, status: image.status | PLC_STATUS.CYCLE_VALID });
  });

  it('has no latched cycle while the cycle-valid bit is clear', () => {
    const r = decodePlcImage(encodePlcImage({ ...image, lastCycle: undefined }));
    assert.ok(r.ok);
    assert.equal(r.value.lastCycle, undefined);
  });

  const broken = (edit: (w: number[]) => void) => {
    const w = encodePlcImage(image);
    edit(w);
    return decodePlcImage(w);
  };
  const f32 = (v: number): [number, number] => {
    const b = Buffer.alloc(4);
    b.writeFloatBE(v);
    return [b.readUInt16BE(0), b.readUInt16BE(2)];
  };

  const cases: Array<[string, (w: number[]) => void, string, number | string]> = [
    ['too few registers', (w) => w.pop(), 'MODBUS_BAD_RESPONSE', 'count'],
    ['a word above 16 bits', (w) => (w[7] = 70_000), 'MODBUS_BAD_RESPONSE', 7],
    ['another map id', (w) => (w[0] = 0x1234), 'MODBUS_BAD_MAP', 0],
    ['another map version', (w) => (w[1] = 2), 'MODBUS_BAD_MAP', 1],
    ['unknown status bits', (w) => (w[2] = 0x0107), 'MODBUS_BAD_MAP', 2],
    ['phase 6', (w) => (w[PLC_REGISTERS.phase] = 6), 'MODBUS_BAD_PHASE', PLC_REGISTERS.phase],
    ['phase 0 while valid', (w) => (w[PLC_REGISTERS.phase] = 0), 'MODBUS_BAD_PHASE', PLC_REGISTERS.phase],
    ['a phase while not valid', (w) => (w[2] = PLC_STATUS.RUNNING), 'MODBUS_BAD_PHASE', PLC_REGISTERS.phase],
    ['NaN in s2', (w) => w.splice(PLC_REGISTERS.sensors + 2, 2, ...f32(NaN)), 'MODBUS_BAD_VALUE', PLC_REGISTERS.sensors + 2],
    ['Infinity in the cycle', (w) => w.splice(PLC_REGISTERS.cycleValues + 48, 2, ...f32(-Infinity)), 'MODBUS_BAD_VALUE', PLC_REGISTERS.cycleValues + 48],
    ['an implausible value', (w) => w.splice(PLC_REGISTERS.cycleValues, 2, ...f32(3e9)), 'MODBUS_BAD_VALUE', PLC_REGISTERS.cycleValues],
    ['a cycle start beyond dates', (w) => (w[PLC_REGISTERS.cycleStart] = 0xffff), 'MODBUS_BAD_VALUE', PLC_REGISTERS.cycleStart],
  ];
  for (const [what, edit, code, at] of cases) {
    it(`rejects ${what} as ${code} at ${at}`, () => {
      const r = broken(edit);
      assert.equal(r.ok, false);
      if (!r.ok) assert.deepEqual([r.error.code, r.error.at], [code, at]);
    });
  }

  it('takes MODBUS_MAX_ABS_VALUE as the plausibility bound', () => {
    const w = encodePlcImage({ ...image, sensors: [500, 0, 0, 0, 0] });
    assert.equal(decodePlcImage(w).ok, true);
    const r = decodePlcImage(w, { maxAbsValue: 100 });
    assert.equal(r.ok ? 'ok' : r.error.code, 'MODBUS_BAD_VALUE');
  });
});
