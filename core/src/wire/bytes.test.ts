import assert from 'node:assert/strict';
import { seededRandom } from '../crypto/seeded-random.js';
import { readI16, readU16, readU32, readU64 } from './bytes.js';

describe('wire big-endian readers', () => {
  // At an odd offset inside a larger buffer, as a frame's fields are.
  const at = (write: (v: DataView) => void) => {
    const bytes = new Uint8Array(new ArrayBuffer(16), 3, 11);
    write(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return bytes;
  };

  it('read what a DataView wrote, at the edges of each range', () => {
    for (const v of [0, 1, 0x7fff, 0x8000, 0xffff]) assert.equal(readU16(at((d) => d.setUint16(1, v)), 1), v);
    for (const v of [0, 1, -1, 0x7fff, -0x8000]) assert.equal(readI16(at((d) => d.setInt16(1, v)), 1), v);
    for (const v of [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]) assert.equal(readU32(at((d) => d.setUint32(1, v)), 1), v);
    const u64 = [0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
    for (const v of u64) assert.equal(readU64(at((d) => d.setBigUint64(1, v)), 1), v);
  });

  it('agree with a DataView on random values', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 2000; i++) {
      const bytes = random(11);
      const view = new DataView(bytes.buffer);
      assert.equal(readI16(bytes, 2), view.getInt16(2));
      assert.equal(readU32(bytes, 1), view.getUint32(1));
      assert.equal(readU64(bytes, 3), view.getBigUint64(3));
    }
  });
});
