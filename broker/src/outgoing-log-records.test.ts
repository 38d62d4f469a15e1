import assert from 'node:assert/strict';
import { frameBatch, parseRecord, type LogOp } from './outgoing-log-records.js';

const ops: LogOp[] = [
  { type: 'put', key: 'gate%20way:0000000000000001', value: Buffer.from([0x00, 0xff, 0x50, 0x44]) },
  { type: 'del', key: 'ñandú:7' },
  { type: 'put', key: 'k', value: new Uint8Array(0) },
  { type: 'put', key: '', value: Buffer.alloc(70_000, 7) },
];
const bytesOf = (ops: LogOp[]) => Buffer.concat(frameBatch(ops).chunks);

/** Every record of `buf`, parsed in order, as ops. */
function parseAll(buf: Buffer): LogOp[] {
  const out: LogOp[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const r = parseRecord(buf, pos);
    assert.ok(r !== 'bad' && !('need' in r), `record at ${pos}`);
    out.push(r.type === 'put' ? { type: 'put', key: r.key, value: Buffer.from(r.value) } : { type: 'del', key: r.key });
    pos += r.length;
  }
  return out;
}
const plain = (ops: LogOp[]) => ops.map((op) => (op.type === 'put' ? { ...op, value: [...op.value] } : op));

describe('outgoing log records', () => {
  it('frames puts and deletes (any key, any value, empty ones too) so that they parse back in order', () => {
    assert.deepEqual(plain(parseAll(bytesOf(ops))), plain(ops));
  });

  it('hands values to writev as they are, and reports each record length', () => {
    const framed = frameBatch(ops);
    assert.ok(framed.chunks.includes((ops[3] as { value: Uint8Array }).value), 'the value itself, not a copy');
    assert.equal(framed.bytes, bytesOf(ops).length);
    assert.equal(framed.recordLengths.reduce((a, b) => a + b), framed.bytes);
    assert.deepEqual(framed.recordLengths.slice(0, 2), [9 + 27 + 4 + 4, 5 + Buffer.byteLength('ñandú:7') + 4]);
  });

  it('asks for more bytes when a record is cut short at any point', () => {
    const one = bytesOf([ops[0]!]);
    for (let cut = 0; cut < one.length; cut++) {
      const r = parseRecord(one.subarray(0, cut), 0);
      assert.ok(r !== 'bad' && 'need' in r && r.need > cut, `cut at ${cut}`);
    }
  });

  it('refuses a tail of zeros, an unknown type and a trailer that does not match the lengths', () => {
    assert.equal(parseRecord(Buffer.alloc(64), 0), 'bad');
    const one = bytesOf([ops[0]!]);
    assert.equal(parseRecord(Buffer.concat([Buffer.from('X'), one.subarray(1)]), 0), 'bad');
    const wrongTrailer = Buffer.from(one);
    wrongTrailer[wrongTrailer.length - 1]! ^= 1;
    assert.equal(parseRecord(wrongTrailer, 0), 'bad');
    const longerValue = Buffer.concat([one, Buffer.alloc(8)]);
    longerValue.writeUInt32BE(one.readUInt32BE(5) + 8, 5); // a length read from garbage, with room behind it
    assert.equal(parseRecord(longerValue, 0), 'bad');
  });
});
