import assert from 'node:assert/strict';
import { toHex } from '../wire/bytes.js';
import { decodeFrame } from '../wire/decode-frame.js';
import { encodeFrame, encodeHeader } from '../wire/encode-frame.js';
import type { Frame, FrameHeader } from '../wire/frame-types.js';
import { identityKeypairFromSeed, kxKeypairFromSeed } from './keys.js';
import { signSessionBody, verifySession } from './session-frame.js';
import { clientSessionKeys, serverSessionKey } from './session-keys.js';
import { sodiumReady } from './sodium.js';

const seed = (b: number) => new Uint8Array(32).fill(b);
const HEADER: FrameHeader = { type: 'session', deviceId: 12, keyId: 99, seq: 5000n };
const CLOCK = 1_700_000_000_123;

describe('crypto session open (wire-format §3)', () => {
  before(sodiumReady);
  const identity = () => identityKeypairFromSeed(seed(1));
  const eph = () => kxKeypairFromSeed(seed(2));

  function sessionBytes(h: FrameHeader = HEADER): Uint8Array {
    const body = signSessionBody(encodeHeader(h), eph().publicKey, CLOCK, identity().secretKey);
    return encodeFrame({ ...h, body });
  }
  const decoded = (bytes: Uint8Array): Frame => {
    const r = decodeFrame(bytes);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  it('builds a 124-byte frame that verifies and yields the ephemeral key and clock', () => {
    const bytes = sessionBytes();
    assert.equal(bytes.length, 124);
    const r = verifySession(decoded(bytes), identity().publicKey);
    assert.ok(r.ok);
    assert.equal(toHex(r.value.ephemeralPublicKey), toHex(eph().publicKey));
    assert.equal(r.value.clockMs, CLOCK);
  });

  it('another identity key → BAD_SIGNATURE at the signature', () => {
    const r = verifySession(decoded(sessionBytes()), identityKeypairFromSeed(seed(3)).publicKey);
    assert.deepEqual(!r.ok && { code: r.error.code, at: r.error.at }, { code: 'BAD_SIGNATURE', at: 60 });
  });

  // Every signed byte matters: device id, key id, seq, body length, ephemeral key and clock.
  for (const [name, offset] of [['device id', 5], ['key id', 9], ['seq', 17], ['ephemeral key', 30], ['clock', 59], ['signature', 100]] as const) {
    it(`a flipped bit in the ${name} → BAD_SIGNATURE`, () => {
      const bytes = sessionBytes();
      bytes[offset]! ^= 0x01;
      const r = verifySession(decoded(bytes), identity().publicKey);
      assert.equal(!r.ok && r.error.code, 'BAD_SIGNATURE');
    });
  }

  it('an identity key of the wrong size is BAD_SIGNATURE, not an exception', () => {
    const r = verifySession(decoded(sessionBytes()), new Uint8Array(5));
    assert.equal(!r.ok && r.error.code, 'BAD_SIGNATURE');
  });

  it('a data frame is not a session frame → BAD_TYPE', () => {
    const reading = decoded(encodeFrame({ ...HEADER, type: 'reading', body: new Uint8Array(62) }));
    const r = verifySession(reading, identity().publicKey);
    assert.deepEqual(!r.ok && { code: r.error.code, at: r.error.at }, { code: 'BAD_TYPE', at: 3 });
  });

  it('the platform (kx server rx) derives the device (kx client tx) key', () => {
    const platform = kxKeypairFromSeed(seed(9));
    const device = clientSessionKeys(eph(), platform.publicKey);
    const server = serverSessionKey(platform, eph().publicKey);
    assert.ok(device.ok && server.ok);
    assert.equal(toHex(server.value), toHex(device.value.tx));
    assert.notEqual(toHex(device.value.rx), toHex(device.value.tx));
    assert.equal(server.value.length, 32);
  });

  it('a low-order ephemeral or platform key → BAD_SESSION_KEY', () => {
    const platform = kxKeypairFromSeed(seed(9));
    const s = serverSessionKey(platform, new Uint8Array(32));
    assert.deepEqual(!s.ok && { code: s.error.code, at: s.error.at }, { code: 'BAD_SESSION_KEY', at: 20 });
    const c = clientSessionKeys(eph(), new Uint8Array(32));
    assert.equal(!c.ok && c.error.code, 'BAD_SESSION_KEY');
  });

  it('signSessionBody refuses sizes and clocks the format cannot carry', () => {
    const h = encodeHeader(HEADER);
    assert.throws(() => signSessionBody(h.subarray(1), eph().publicKey, CLOCK, identity().secretKey), RangeError);
    assert.throws(() => signSessionBody(h, new Uint8Array(31), CLOCK, identity().secretKey), RangeError);
    assert.throws(() => signSessionBody(h, eph().publicKey, 0.5, identity().secretKey), RangeError);
  });
});
