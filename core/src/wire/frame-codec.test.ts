import assert from 'node:assert/strict';
import { toHex } from './bytes.js';
import { decodeFrame } from './decode-frame.js';
import { encodeFrame, encodeHeader } from './encode-frame.js';
import { bytesOf } from './fixtures/annotated.js';
import { ERROR_FRAMES, VALID_FRAMES } from './fixtures/frame-fixtures.js';
import { isErrorCode } from '../errors/catalogue.js';

describe('wire frame codec (wire-format §2)', () => {
  describe('decodes annotated valid frames', () => {
    for (const fx of VALID_FRAMES) {
      it(fx.name, () => {
        const bytes = bytesOf(fx.segments);
        const r = decodeFrame(bytes);
        assert.ok(r.ok, JSON.stringify(!r.ok && r.error));
        const { type, deviceId, keyId, seq, bodyHex } = fx.expected;
        assert.deepEqual({ type: r.value.type, deviceId: r.value.deviceId, keyId: r.value.keyId, seq: r.value.seq }, { type, deviceId, keyId, seq });
        assert.equal(toHex(r.value.body), bodyHex);
        assert.equal(toHex(r.value.header), toHex(bytes.subarray(0, 20)));
      });
    }
  });

  describe('encodes to the annotated bytes, and round-trips', () => {
    for (const fx of VALID_FRAMES) {
      it(fx.name, () => {
        const bytes = bytesOf(fx.segments);
        const { bodyHex, ...header } = fx.expected;
        const encoded = encodeFrame({ ...header, body: bytesOf([[bodyHex, 'body']]) });
        assert.equal(toHex(encoded), toHex(bytes));
        assert.equal(toHex(encodeHeader(header)), toHex(bytes.subarray(0, 20)));
        const again = decodeFrame(encoded);
        assert.ok(again.ok);
        assert.equal(toHex(encodeFrame(again.value)), toHex(bytes));
      });
    }
  });

  describe('rejects annotated bad frames with the exact code and offset', () => {
    for (const fx of ERROR_FRAMES) {
      it(`${fx.name} → ${fx.error.code} at ${fx.error.at}`, () => {
        const r = decodeFrame(bytesOf(fx.segments));
        assert.ok(!r.ok, 'expected a failure');
        assert.deepEqual({ code: r.error.code, at: r.error.at }, fx.error);
        assert.ok(isErrorCode(r.error.code));
        assert.ok(r.error.message.length > 0);
      });
    }
  });

  it('decodes a frame inside a larger buffer (a Node Buffer from a pool)', () => {
    const fx = VALID_FRAMES[0]!;
    const inner = bytesOf(fx.segments);
    const pooled = new Uint8Array(inner.length + 10);
    pooled.set(inner, 7);
    const r = decodeFrame(pooled.subarray(7, 7 + inner.length));
    assert.ok(r.ok);
    assert.equal(r.value.seq, fx.expected.seq);
    assert.equal(r.value.keyId, fx.expected.keyId);
  });

  describe('encode refuses what the format cannot carry', () => {
    const base = { type: 'reading', deviceId: 7, keyId: 1, seq: 1n } as const;
    const cases: Array<[string, object]> = [
      ['device id 0', { deviceId: 0 }],
      ['device id 32768', { deviceId: 32768 }],
      ['device id 1.5', { deviceId: 1.5 }],
      ['key id -1', { keyId: -1 }],
      ['key id 2^32', { keyId: 2 ** 32 }],
      ['seq -1', { seq: -1n }],
      ['seq 2^63', { seq: 1n << 63n }],
      ['type bogus', { type: 'bogus' }],
    ];
    for (const [name, change] of cases) {
      it(name, () => assert.throws(() => encodeHeader({ ...base, ...change } as typeof base), RangeError));
    }
    it('body of the wrong size', () => assert.throws(() => encodeFrame({ ...base, body: new Uint8Array(61) }), RangeError));
  });
});
