import assert from 'node:assert/strict';
import { createPacketScanner } from './packet-guard.js';

/** A packet with this first byte and `bodyLength` zero bytes after the remaining length. */
function packet(first: number, bodyLength: number): Buffer {
  const len: number[] = [];
  let n = bodyLength;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...len]), Buffer.alloc(bodyLength)]);
}
const CONNECT = packet(0x10, 20);
const reasonOf = (max: number, ...chunks: Buffer[]) => {
  const s = createPacketScanner(max);
  for (const c of chunks) {
    const r = s.scan(c);
    if (r) return `${r.reason}: ${r.message}`;
  }
  return 'ok';
};

describe('packet guard', () => {
  it('passes a normal session, whatever the chunking', () => {
    const session = Buffer.concat([CONNECT, packet(0x32, 300), packet(0x30, 0), packet(0x40, 2), packet(0x62, 2), packet(0x82, 10), packet(0xa2, 8), packet(0xc0, 0), packet(0xe0, 0)]);
    assert.equal(reasonOf(1024, session), 'ok');
    assert.equal(reasonOf(1024, ...[...session].map((b) => Buffer.from([b]))), 'ok');
  });

  it('refuses a packet over the limit from its header, before the body arrives', () => {
    const header = packet(0x32, 100_000).subarray(0, 4);
    assert.match(reasonOf(65536, CONNECT, header), /^oversize: packet type 3 of 100004 bytes, over the limit of 65536$/);
  });

  it('counts the whole packet against the limit: one byte over is refused, the limit itself passes', () => {
    assert.equal(reasonOf(1000, CONNECT, packet(0x30, 1000 - 3)), 'ok');
    assert.match(reasonOf(1000, CONNECT, packet(0x30, 1000 - 2)), /^oversize/);
  });

  for (const [name, bytes, why] of [
    ['a first packet that is not CONNECT', packet(0x30, 4), /not CONNECT/],
    ['a second CONNECT', Buffer.concat([CONNECT, CONNECT]), /second CONNECT/],
    ['reserved type 0', Buffer.concat([CONNECT, packet(0x00, 0)]), /type 0/],
    ['type 15', Buffer.concat([CONNECT, packet(0xf0, 0)]), /type 15/],
    ['a CONNACK from a client', Buffer.concat([CONNECT, packet(0x20, 2)]), /type 2 is not/],
    ['SUBSCRIBE without its 0010 flags', Buffer.concat([CONNECT, packet(0x80, 8)]), /reserved flags 0000/],
    ['PINGREQ with flags', Buffer.concat([CONNECT, packet(0xc1, 0)]), /reserved flags 0001/],
    ['PUBLISH with QoS 3', Buffer.concat([CONNECT, packet(0x36, 4)]), /QoS 3/],
    ['a 5-byte remaining length', Buffer.concat([CONNECT, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]), /longer than 4 bytes/],
  ] as const) {
    it(`refuses ${name} as malformed`, () => {
      const r = reasonOf(1 << 28, bytes);
      assert.match(r, /^malformed: /);
      assert.match(r, why);
    });
  }
});
