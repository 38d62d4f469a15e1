import assert from 'node:assert/strict';
import sodium from 'libsodium-wrappers';
import { openXChaCha, RAW_MAX_CIPHERTEXT } from './raw-aead.js';
import { sodiumReady } from './sodium.js';

describe('openXChaCha (libsodium exports, one scratch region)', () => {
  before(() => sodiumReady());
  const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
  const key = bytes(32, 1);
  const nonce = bytes(24, 2);
  const ad = bytes(20, 3);

  it('opens what the wrapper sealed, for every size a frame can have and then some', () => {
    for (const n of [0, 1, 14, 110, 500, 1000, RAW_MAX_CIPHERTEXT - 16]) {
      const plain = bytes(n, n);
      const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, null, nonce, key);
      assert.deepEqual(new Uint8Array(openXChaCha(sealed, ad, nonce, key)!), plain, `${n} bytes`);
    }
  });

  it('refuses a changed ciphertext, tag, header (ad), nonce or key, and then still opens good input', () => {
    const sealed = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(110, 9), ad, null, nonce, key);
    const flip = (b: Uint8Array, i: number) => Uint8Array.from(b, (x, j) => (j === i ? x ^ 1 : x));
    assert.equal(openXChaCha(flip(sealed, 5), ad, nonce, key), undefined);
    assert.equal(openXChaCha(flip(sealed, sealed.length - 1), ad, nonce, key), undefined);
    assert.equal(openXChaCha(sealed, flip(ad, 0), nonce, key), undefined);
    assert.equal(openXChaCha(sealed, ad, flip(nonce, 23), key), undefined);
    assert.equal(openXChaCha(sealed, ad, nonce, flip(key, 0)), undefined);
    assert.deepEqual(new Uint8Array(openXChaCha(sealed, ad, nonce, key)!), bytes(110, 9));
  });

  it('returns a copy: the next call does not change an earlier plaintext', () => {
    const a = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(50, 1), ad, null, nonce, key);
    const b = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(bytes(50, 2), ad, null, nonce, key);
    const first = openXChaCha(a, ad, nonce, key)!;
    openXChaCha(b, ad, nonce, key);
    assert.deepEqual(new Uint8Array(first), bytes(50, 1));
  });

  it('throws RangeError on sizes no frame has', () => {
    assert.throws(() => openXChaCha(new Uint8Array(RAW_MAX_CIPHERTEXT + 1), ad, nonce, key), RangeError);
    assert.throws(() => openXChaCha(new Uint8Array(32), ad, nonce, key.subarray(1)), RangeError);
    assert.throws(() => openXChaCha(new Uint8Array(32), new Uint8Array(65), nonce, key), RangeError);
  });
});
