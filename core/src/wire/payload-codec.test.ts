import assert from 'node:assert/strict';
import { toHex } from './bytes.js';
import { decodePayload } from './decode-payload.js';
import { encodePayload } from './encode-payload.js';
import { bytesOf } from './fixtures/annotated.js';
import { EDGE_TIME_READING, ERROR_PAYLOADS, VALID_PAYLOADS } from './fixtures/payload-fixtures.js';

describe('wire payload codec (wire-format §5)', () => {
  describe('decodes annotated payloads', () => {
    for (const fx of VALID_PAYLOADS) {
      it(fx.name, () => {
        const r = decodePayload(fx.expected.type, fx.headerDevice, bytesOf(fx.segments));
        assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
        // deepStrictEqual compares with SameValue: NaN matches NaN, 0 does not match -0.
        assert.deepStrictEqual(r.value, fx.expected);
      });
    }
  });

  describe('encodes to the annotated bytes', () => {
    for (const fx of VALID_PAYLOADS) {
      it(fx.name, () => assert.equal(toHex(encodePayload(fx.expected)), toHex(bytesOf(fx.segments))));
    }
  });

  describe('rejects bad payloads with the exact code and offset', () => {
    for (const fx of ERROR_PAYLOADS) {
      it(`${fx.name} → ${fx.error.code} at ${fx.error.at}`, () => {
        const r = decodePayload(fx.type, fx.headerDevice, bytesOf(fx.segments));
        assert.ok(!r.ok, 'expected a failure');
        assert.deepEqual({ code: r.error.code, at: r.error.at }, fx.error);
      });
    }
  });

  it('accepts the last instant of the Date range, which the text stage can print', () => {
    const r = decodePayload('reading', 7, bytesOf(EDGE_TIME_READING));
    assert.ok(r.ok);
    assert.equal(new Date(r.value.ts).toISOString(), '+275760-09-13T00:00:00.000Z');
  });

  it('rounds sensor values to float32', () => {
    const bytes = encodePayload({ type: 'reading', deviceId: 2, ts: 5, temperature: 0.1, pressure: 101.325, humidity: 1e-50 });
    const r = decodePayload('reading', 2, bytes);
    assert.ok(r.ok);
    assert.deepEqual([r.value.temperature, r.value.pressure, r.value.humidity], [Math.fround(0.1), Math.fround(101.325), 0]);
  });

  describe('encode refuses what the format cannot carry', () => {
    const reading = { type: 'reading', deviceId: 7, ts: 0, temperature: 0, pressure: 0, humidity: 0 } as const;
    const cycle = { type: 'cycle', deviceId: 7, cycleStart: 0, cycle: 0, phases: Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]) } as const;
    it('device id 0', () => assert.throws(() => encodePayload({ ...reading, deviceId: 0 }), RangeError));
    it('fractional timestamp', () => assert.throws(() => encodePayload({ ...reading, ts: 1.5 }), RangeError));
    it('timestamp past the Date range', () => assert.throws(() => encodePayload({ ...reading, ts: 8.64e15 + 2 }), RangeError));
    it('cycle number 2^32', () => assert.throws(() => encodePayload({ ...cycle, cycle: 2 ** 32 }), RangeError));
    it('4 phases', () => assert.throws(() => encodePayload({ ...cycle, phases: cycle.phases.slice(1) }), RangeError));
    it('a phase with 6 sensors', () => assert.throws(() => encodePayload({ ...cycle, phases: [[0, 0, 0, 0, 0, 0], ...cycle.phases.slice(1)] }), RangeError));
  });
});
