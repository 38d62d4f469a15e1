import assert from 'node:assert/strict';
import { decodeAck, encodeAck, type AckRecord } from './tcp-ack.js';
import { createStreamReader, prefixedRecord } from './tcp-stream-reader.js';

describe('TCP ack records and stream reading (wire-format §6.4.3, §6.1)', () => {
  const ack: AckRecord = { outcome: 'refused', frameNumber: 0xfffffffe, deviceId: 7, seq: 1_700_000_000_000_001n, code: 'DECRYPT_FAILED' };

  it('encodes the §6.4.3 layout and decodes it back', () => {
    const bytes = encodeAck(ack);
    assert.equal(Buffer.from(bytes).toString('hex'), `54410102fffffffe000700060a24181e40010e${Buffer.from('DECRYPT_FAILED').toString('hex')}`);
    assert.deepEqual(decodeAck(bytes), { ok: true, value: ack });
    const stored = encodeAck({ outcome: 'stored', frameNumber: 0, deviceId: 1, seq: 5n, code: '' });
    assert.equal(stored.length, 19);
    assert.deepEqual(decodeAck(stored), { ok: true, value: { outcome: 'stored', frameNumber: 0, deviceId: 1, seq: 5n, code: '' } });
  });

  it('refuses records that are not acks, by code', () => {
    const bytes = encodeAck(ack);
    const bad = (patch: (b: Uint8Array) => Uint8Array) => {
      const r = decodeAck(patch(bytes.slice()));
      return r.ok ? 'ok' : r.error.code;
    };
    assert.equal(bad((b) => b.subarray(0, 10)), 'TRUNCATED');
    assert.equal(bad((b) => ((b[1] = 0x43), b)), 'BAD_MAGIC');
    assert.equal(bad((b) => ((b[2] = 2), b)), 'BAD_VERSION');
    assert.equal(bad((b) => ((b[3] = 9), b)), 'BAD_TYPE');
    assert.equal(bad((b) => b.subarray(0, b.length - 1)), 'BAD_LENGTH');
    assert.throws(() => encodeAck({ ...ack, code: 'x'.repeat(65) }), RangeError);
  });

  it('splits a stream that arrives one byte at a time, and stops for good at a prefix over the limit', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array(0);
    const c = new Uint8Array(1024).fill(9);
    const stream = Buffer.concat([prefixedRecord(a), prefixedRecord(b), prefixedRecord(c), Buffer.from([0, 0, 4, 1]), Buffer.from([1, 2, 3])]);
    const reader = createStreamReader(1024);
    const got: Uint8Array[] = [];
    let broken;
    for (const byte of stream) {
      const r = reader.push(new Uint8Array([byte]));
      got.push(...r.records);
      broken ??= r.broken;
    }
    assert.deepEqual(got.map((g) => g.length), [3, 0, 1024]);
    assert.deepEqual(got[0], a);
    assert.deepEqual(broken, { code: 'TOO_LARGE', message: 'length prefix 1025 exceeds 1024', at: 4 + 3 + 4 + 4 + 1024 });
    assert.deepEqual(reader.push(prefixedRecord(a)).records, [], 'nothing is read after a broken prefix');
  });

  it('reports bytes held inside an unfinished record', () => {
    const reader = createStreamReader(1024);
    assert.deepEqual(reader.push(new Uint8Array([0, 0, 0, 5, 1, 2])).records, []);
    assert.equal(reader.buffered, 6);
    assert.equal(reader.push(new Uint8Array([3, 4, 5])).records.length, 1);
    assert.equal(reader.buffered, 0);
    assert.equal(reader.offset, 9);
  });
});
