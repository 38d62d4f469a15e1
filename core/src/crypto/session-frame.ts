import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { concatBytes, viewOf } from '../wire/bytes.js';
import {
  AT_CLOCK, AT_SIGNATURE, AT_TYPE, AT_BODY_LENGTH, CLOCK_SIZE, EPH_PK_SIZE, HEADER_SIZE, MAX_ABS_TIME_MS,
  SESSION_BODY_SIZE, SIGNATURE_SIZE,
} from '../wire/constants.js';
import type { Frame } from '../wire/frame-types.js';
import { lib } from './sodium.js';

export interface SessionOpen {
  /** The device's ephemeral X25519 public key for this key id. */
  readonly ephemeralPublicKey: Uint8Array;
  /** The device's clock when it opened the session, ms since the epoch. */
  readonly clockMs: number;
}

const SIGNED_BODY = EPH_PK_SIZE + CLOCK_SIZE;

/**
 * The 104-byte SESSION body (wire-format §3.1): eph_pk ‖ clock ‖ Ed25519
 * signature over header ‖ eph_pk ‖ clock. Signing the header binds device
 * id, key id and seq to the ephemeral key. Throws RangeError on bad sizes.
 */
export function signSessionBody(header: Uint8Array, ephemeralPublicKey: Uint8Array, clockMs: number, identitySecretKey: Uint8Array): Uint8Array {
  if (header.length !== HEADER_SIZE) throw new RangeError(`header must be ${HEADER_SIZE} bytes`);
  if (ephemeralPublicKey.length !== EPH_PK_SIZE) throw new RangeError(`ephemeral public key must be ${EPH_PK_SIZE} bytes`);
  if (!Number.isInteger(clockMs) || Math.abs(clockMs) > MAX_ABS_TIME_MS) throw new RangeError(`clock ${clockMs} is not an integer ms in the Date range`);
  const signed = new Uint8Array(SIGNED_BODY);
  signed.set(ephemeralPublicKey, 0);
  viewOf(signed).setBigInt64(EPH_PK_SIZE, BigInt(clockMs));
  const signature = lib().crypto_sign_detached(concatBytes(header, signed), identitySecretKey);
  return concatBytes(signed, signature);
}

/**
 * Checks a decoded SESSION frame against the device's identity public key
 * (wire-format §3.2). Never throws: a key of the wrong size from the
 * registry is BAD_SIGNATURE like any key that does not verify.
 */
export function verifySession(frame: Frame, identityPublicKey: Uint8Array): Result<SessionOpen> {
  if (frame.type !== 'session') return fail('BAD_TYPE', `a ${frame.type} frame is not a session frame`, AT_TYPE);
  if (frame.body.length !== SESSION_BODY_SIZE || frame.header.length !== HEADER_SIZE) {
    return fail('BAD_LENGTH', `a session body is ${SESSION_BODY_SIZE} bytes`, AT_BODY_LENGTH);
  }
  const signed = frame.body.subarray(0, SIGNED_BODY);
  const signature = frame.body.subarray(SIGNED_BODY, SIGNED_BODY + SIGNATURE_SIZE);
  let valid = false;
  try {
    valid = lib().crypto_sign_verify_detached(signature, concatBytes(frame.header, signed), identityPublicKey);
  } catch {
    valid = false; // libsodium throws on a public key of the wrong length
  }
  if (!valid) return fail('BAD_SIGNATURE', 'session signature does not verify with the device identity key', AT_SIGNATURE);

  const clock = viewOf(signed).getBigInt64(EPH_PK_SIZE);
  if (clock > BigInt(MAX_ABS_TIME_MS) || clock < -BigInt(MAX_ABS_TIME_MS)) {
    return fail('BAD_PAYLOAD', `device clock ${clock} ms is outside the Date range`, AT_CLOCK);
  }
  return ok({ ephemeralPublicKey: signed.slice(0, EPH_PK_SIZE), clockMs: Number(clock) });
}
