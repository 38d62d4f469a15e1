import { lib } from './sodium.js';

/**
 * XChaCha20-Poly1305-IETF decryption straight on libsodium's WebAssembly
 * exports, through one scratch region allocated once. The wrapper's
 * function mallocs and frees per call and hands back each plaintext in a
 * typed array of its own (a separate backing store per frame, which the
 * garbage collector must track); at thousands of frames per second that
 * was most of the cost of opening a frame. Same algorithm, same library.
 */
interface RawSodium {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _crypto_aead_xchacha20poly1305_ietf_decrypt(m: number, mlenP: number, nsec: number, c: number, clenLo: number, clenHi: number, ad: number, adlenLo: number, adlenHi: number, npub: number, k: number): number;
}

const KEY = 0;
const NONCE = 32;
const AD = 64;
const AD_MAX = 64;
/** Where the ciphertext goes; the plaintext follows it. */
const DATA = 128;
/** Larger inputs are refused with a RangeError: no frame has one (a body is at most 1 KiB). */
export const RAW_MAX_CIPHERTEXT = 2048;
const SCRATCH = DATA + 2 * RAW_MAX_CIPHERTEXT;

let scratch: number | undefined;

function raw(): RawSodium {
  return (lib() as unknown as { libsodium: RawSodium }).libsodium;
}

/**
 * The plaintext as a Buffer (from Node's pool for frame sizes), or
 * undefined when authentication fails. `key` 32 bytes, `nonce` 24, `ad` at
 * most 64, `ciphertext` (with its 16-byte tag) at most RAW_MAX_CIPHERTEXT.
 */
export function openXChaCha(ciphertext: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  if (key.length !== 32 || nonce.length !== 24 || ad.length > AD_MAX || ciphertext.length < 16 || ciphertext.length > RAW_MAX_CIPHERTEXT) {
    throw new RangeError('openXChaCha: input sizes out of range');
  }
  const sodium = raw();
  scratch ??= sodium._malloc(SCRATCH);
  const base = scratch;
  // HEAPU8 is re-read on every call: the module may have grown its memory, which replaces the view.
  let heap = sodium.HEAPU8;
  heap.set(key, base + KEY);
  heap.set(nonce, base + NONCE);
  heap.set(ad, base + AD);
  heap.set(ciphertext, base + DATA);
  const out = base + DATA + RAW_MAX_CIPHERTEXT;
  const rc = sodium._crypto_aead_xchacha20poly1305_ietf_decrypt(out, 0, 0, base + DATA, ciphertext.length, 0, base + AD, ad.length, 0, base + NONCE, base + KEY);
  heap = sodium.HEAPU8;
  // The key must not linger in the scratch region.
  heap.fill(0, base + KEY, base + NONCE);
  if (rc !== 0) return undefined;
  return Buffer.from(heap.subarray(out, out + ciphertext.length - 16));
}
