import { viewOf } from './bytes.js';
import {
  AT_BODY_LENGTH, AT_DEVICE_ID, AT_KEY_ID, AT_SEQ, AT_TYPE, AT_VERSION, BODY_SIZE, HEADER_SIZE, MAGIC_0, MAGIC_1,
  MAX_DEVICE_ID, MAX_KEY_ID, MAX_SEQ, TYPE_CODES, VERSION,
} from './constants.js';
import type { FrameHeader, FrameInput } from './frame-types.js';

/**
 * The 20 header bytes for these fields (wire-format §2.1). The body length
 * is the fixed size of the type (§2.2), so a sender can build the header
 * (the AEAD additional data, §4.1) before it has the body.
 *
 * Throws RangeError for fields outside their range: encoding our own
 * values is not input validation, a bad value here is a bug in the caller.
 */
export function encodeHeader(h: FrameHeader): Uint8Array {
  const code = TYPE_CODES[h.type];
  if (code === undefined) throw new RangeError(`unknown frame type ${String(h.type)}`);
  if (!Number.isInteger(h.deviceId) || h.deviceId < 1 || h.deviceId > MAX_DEVICE_ID) {
    throw new RangeError(`device id ${h.deviceId} is outside 1..${MAX_DEVICE_ID}`);
  }
  if (!Number.isInteger(h.keyId) || h.keyId < 0 || h.keyId > MAX_KEY_ID) throw new RangeError(`key id ${h.keyId} is not a u32`);
  if (typeof h.seq !== 'bigint' || h.seq < 0n || h.seq > MAX_SEQ) throw new RangeError(`seq ${String(h.seq)} is outside 0..2^63-1`);

  const out = new Uint8Array(HEADER_SIZE);
  const view = viewOf(out);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[AT_VERSION] = VERSION;
  out[AT_TYPE] = code;
  view.setInt16(AT_DEVICE_ID, h.deviceId);
  view.setUint32(AT_KEY_ID, h.keyId);
  view.setBigUint64(AT_SEQ, h.seq);
  view.setUint16(AT_BODY_LENGTH, BODY_SIZE[h.type]);
  return out;
}

/** Header ‖ body (wire-format §2). Throws RangeError if the body is not the size its type requires. */
export function encodeFrame(frame: FrameInput): Uint8Array {
  const header = encodeHeader(frame);
  const size = BODY_SIZE[frame.type];
  if (frame.body.length !== size) throw new RangeError(`a ${frame.type} body is ${size} bytes, got ${frame.body.length}`);
  const out = new Uint8Array(HEADER_SIZE + size);
  out.set(header, 0);
  out.set(frame.body, HEADER_SIZE);
  return out;
}
