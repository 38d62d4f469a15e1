import assert from 'node:assert/strict';
import { toHex } from '../wire/bytes.js';
import { decodeFrame } from '../wire/decode-frame.js';
import { encodeFrame, encodeHeader } from '../wire/encode-frame.js';
import { encodePayload } from '../wire/encode-payload.js';
import type { Frame, FrameHeader } from '../wire/frame-types.js';
import { openData, sealData } from './data-seal.js';
import { sodiumReady } from './sodium.js';

const KEY = new Uint8Array(32).fill(0x42);
const NONCE = new Uint8Array(24).fill(0x24);
const HEADER: FrameHeader = { type: 'reading', deviceId: 7, keyId: 3, seq: 10n };
const PLAINTEXT = encodePayload({ type: 'reading', deviceId: 7, ts: 1_700_000_000_000, temperature: 20, pressure: 100, humidity: 50 });

function sealed(): Uint8Array {
  return encodeFrame({ ...HEADER, body: sealData(encodeHeader(HEADER), PLAINTEXT, KEY, NONCE) });
}
function decoded(bytes: Uint8Array): Frame {
  const r = decodeFrame(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const failure = (r: { ok: boolean; error?: { code: string; at?: number | string } }) => (r.ok ? 'accepted' : `${r.error?.code}@${r.error?.at}`);

describe('crypto data sealing (wire-format §4)', () => {
  before(sodiumReady);

  it('seals into an 82-byte READING frame whose body starts with the nonce, and opens it', () => {
    const bytes = sealed();
    assert.equal(bytes.length, 82);
    assert.equal(toHex(bytes.subarray(20, 44)), toHex(NONCE));
    const r = openData(decoded(bytes), KEY);
    assert.ok(r.ok);
    assert.equal(toHex(r.value), toHex(PLAINTEXT));
  });

  it('the same plaintext under another nonce is another ciphertext', () => {
    const other = sealData(encodeHeader(HEADER), PLAINTEXT, KEY, new Uint8Array(24).fill(1));
    assert.notEqual(toHex(other.subarray(24)), toHex(sealed().subarray(44)));
  });

  // Header bytes are the AD: a changed device id, key id or seq cannot be replayed under the same body.
  for (const [name, offset] of [['device id', 5], ['key id', 9], ['seq', 17], ['nonce', 30], ['ciphertext', 50], ['tag', 81]] as const) {
    it(`a flipped bit in the ${name} → DECRYPT_FAILED`, () => {
      const bytes = sealed();
      bytes[offset]! ^= 0x80;
      assert.equal(failure(openData(decoded(bytes), KEY)), 'DECRYPT_FAILED@44');
    });
  }

  it('the wrong key, or a key of the wrong size → DECRYPT_FAILED', () => {
    assert.equal(failure(openData(decoded(sealed()), new Uint8Array(32).fill(0x43))), 'DECRYPT_FAILED@44');
    assert.equal(failure(openData(decoded(sealed()), new Uint8Array(16))), 'DECRYPT_FAILED@44');
  });

  it('a session frame carries no sealed data → BAD_TYPE', () => {
    const session = decoded(encodeFrame({ ...HEADER, type: 'session', body: new Uint8Array(104) }));
    assert.equal(failure(openData(session, KEY)), 'BAD_TYPE@3');
  });

  it('sealData refuses a header, nonce or key of the wrong size', () => {
    const h = encodeHeader(HEADER);
    assert.throws(() => sealData(h.subarray(2), PLAINTEXT, KEY, NONCE), RangeError);
    assert.throws(() => sealData(h, PLAINTEXT, KEY, NONCE.subarray(1)), RangeError);
    assert.throws(() => sealData(h, PLAINTEXT, KEY.subarray(1), NONCE), RangeError);
  });
});
