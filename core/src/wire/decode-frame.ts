import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { readI16, readU16, readU32, readU64 } from './bytes.js';
import {
  AT_BODY, AT_BODY_LENGTH, AT_DEVICE_ID, AT_KEY_ID, AT_MAGIC, AT_SEQ, AT_TYPE, AT_VERSION, BODY_SIZE, HEADER_FIELDS,
  HEADER_SIZE, MAGIC_0, MAGIC_1, MAX_BODY_SIZE, MAX_FRAME_SIZE, MAX_SEQ, VERSION,
} from './constants.js';
import type { Frame, FrameType } from './frame-types.js';

const TYPE_NAMES: Readonly<Record<number, FrameType>> = { 0x01: 'session', 0x02: 'reading', 0x03: 'cycle' };

/**
 * Structure-only decoding of one frame (wire-format §2.4): no crypto, no
 * state. Never throws, whatever the input: every failure is a catalogued
 * code with `at`, the frame offset of the offending field. The returned
 * `header` and `body` are views into `bytes` (no copy).
 */
export function decodeFrame(bytes: Uint8Array): Result<Frame> {
  const len = bytes.length;
  // wire-format §2.4 step 1: refuse oversized input before looking inside.
  if (len > MAX_FRAME_SIZE) return fail('TOO_LARGE', `frame is ${len} bytes, the maximum is ${MAX_FRAME_SIZE}`, MAX_FRAME_SIZE);

  // wire-format §2.4 step 2: each header field in order; a cut field is TRUNCATED at its offset.
  // A field is checked only if it arrived whole; a complete header (the usual case) needs no search.
  const cut = len < HEADER_SIZE ? HEADER_FIELDS.find((f) => len < f.at + f.size) : undefined;
  const checkedUpTo = cut ? cut.at : HEADER_SIZE;

  if (AT_MAGIC < checkedUpTo && (bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1)) {
    return fail('BAD_MAGIC', 'frame does not start with "TC" (0x54 0x43)', AT_MAGIC);
  }
  if (AT_VERSION < checkedUpTo && bytes[AT_VERSION] !== VERSION) {
    return fail('BAD_VERSION', `version ${bytes[AT_VERSION]} is not supported, expected ${VERSION}`, AT_VERSION);
  }
  const type = AT_TYPE < checkedUpTo ? TYPE_NAMES[bytes[AT_TYPE] ?? 0] : undefined;
  if (AT_TYPE < checkedUpTo && type === undefined) return fail('BAD_TYPE', `unknown frame type 0x${hex2(bytes[AT_TYPE])}`, AT_TYPE);
  const deviceId = AT_DEVICE_ID < checkedUpTo ? readI16(bytes, AT_DEVICE_ID) : 0;
  if (AT_DEVICE_ID < checkedUpTo && deviceId <= 0) return fail('BAD_DEVICE_ID', `device id ${deviceId} is outside 1..32767`, AT_DEVICE_ID);
  // key id: every u32 is valid.
  const seq = AT_SEQ < checkedUpTo ? readU64(bytes, AT_SEQ) : 0n;
  if (AT_SEQ < checkedUpTo && seq > MAX_SEQ) return fail('BAD_SEQ', `seq ${seq} exceeds 2^63-1`, AT_SEQ);
  if (cut) return fail('TRUNCATED', `${len} bytes end inside the ${cut.name} field of the 20-byte header`, cut.at);

  const bodyLength = readU16(bytes, AT_BODY_LENGTH);
  if (bodyLength > MAX_BODY_SIZE) {
    return fail('TOO_LARGE', `declared body of ${bodyLength} bytes exceeds ${MAX_BODY_SIZE}`, AT_BODY_LENGTH);
  }
  // Checked above: type is defined once the header is complete.
  const frameType = type as FrameType;
  if (bodyLength !== BODY_SIZE[frameType]) {
    return fail('BAD_LENGTH', `a ${frameType} body is ${BODY_SIZE[frameType]} bytes, the header declares ${bodyLength}`, AT_BODY_LENGTH);
  }

  // wire-format §2.4 step 3: the bytes received against the declared length.
  const end = HEADER_SIZE + bodyLength;
  if (len < end) return fail('TRUNCATED', `body has ${len - HEADER_SIZE} of ${bodyLength} declared bytes`, AT_BODY);
  if (len > end) return fail('BAD_LENGTH', `${len - end} bytes follow the declared end of the frame`, end);

  return ok({
    type: frameType,
    deviceId,
    keyId: readU32(bytes, AT_KEY_ID),
    seq,
    header: bytes.subarray(0, HEADER_SIZE),
    body: bytes.subarray(HEADER_SIZE, end),
  });
}

const hex2 = (b: number | undefined) => (b ?? 0).toString(16).padStart(2, '0');
