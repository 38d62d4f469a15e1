import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { concatBytes } from '../wire/bytes.js';
import { AT_BODY_LENGTH, AT_CIPHERTEXT, AT_TYPE, HEADER_SIZE, NONCE_SIZE, TAG_SIZE } from '../wire/constants.js';
import type { Frame } from '../wire/frame-types.js';
import { openXChaCha } from './raw-aead.js';
import { lib } from './sodium.js';

export const SESSION_KEY_SIZE = 32;

/**
 * The body of a READING or CYCLE frame (wire-format §4.1): nonce ‖
 * XChaCha20-Poly1305-IETF(plaintext, AD = the 20 header bytes). The nonce
 * is the caller's (drawn from its RandomSource): 24 random bytes make
 * collisions negligible without a counter. Throws RangeError on bad sizes.
 */
export function sealData(headerBytes: Uint8Array, plaintext: Uint8Array, key: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (headerBytes.length !== HEADER_SIZE) throw new RangeError(`header must be ${HEADER_SIZE} bytes`);
  if (nonce.length !== NONCE_SIZE) throw new RangeError(`nonce must be ${NONCE_SIZE} bytes`);
  if (key.length !== SESSION_KEY_SIZE) throw new RangeError(`key must be ${SESSION_KEY_SIZE} bytes`);
  const ciphertext = lib().crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, headerBytes, null, nonce, key);
  return concatBytes(nonce, ciphertext);
}

/**
 * Authenticates and decrypts a decoded data frame (wire-format §4.2).
 * Never throws: any change to header or body, or the wrong key, is
 * DECRYPT_FAILED.
 */
export function openData(frame: Frame, key: Uint8Array): Result<Uint8Array> {
  if (frame.type === 'session') return fail('BAD_TYPE', 'a session frame carries no sealed data', AT_TYPE);
  if (frame.body.length < NONCE_SIZE + TAG_SIZE) return fail('BAD_LENGTH', 'data body is shorter than nonce and tag', AT_BODY_LENGTH);
  const nonce = frame.body.subarray(0, NONCE_SIZE);
  const ciphertext = frame.body.subarray(NONCE_SIZE);
  if (key.length !== SESSION_KEY_SIZE) return decryptFailed();
  const plain = openXChaCha(ciphertext, frame.header, nonce, key);
  return plain ? ok(plain) : decryptFailed();
}

// Not a closure inside openData: that would be one more object per frame (and
// under tsx, whose keepNames renames every closure it creates, a defineProperty).
const decryptFailed = () => fail<Uint8Array>('DECRYPT_FAILED', 'authenticated decryption failed: tampered frame or wrong key', AT_CIPHERTEXT);
