import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { viewOf } from './bytes.js';
import { CYCLE_PAYLOAD_SIZE, MAX_ABS_TIME_MS, READING_PAYLOAD_SIZE, SENSORS_PER_PHASE } from './constants.js';
import type { CyclePayload, DataFrameType, Payload, ReadingPayload } from './frame-types.js';

// Offsets inside the plaintext (wire-format §5.1, §5.2); `at` in payload failures is relative to it.
const AT_PAYLOAD_DEVICE = 0;
const AT_TIME = 2;
const AT_READING_VALUES = 10;
const AT_CYCLE_NUMBER = 10;
const AT_CYCLE_VALUES = 14;

/**
 * Decodes a decrypted payload (wire-format §5) for a frame of `type` from
 * header device `deviceId`. Never throws. Non-finite floats are kept as
 * NaN/±Infinity: they are legal on the wire (a failed sensor, §5.3).
 */
export function decodePayload(type: 'reading', deviceId: number, plaintext: Uint8Array): Result<ReadingPayload>;
export function decodePayload(type: 'cycle', deviceId: number, plaintext: Uint8Array): Result<CyclePayload>;
export function decodePayload(type: DataFrameType, deviceId: number, plaintext: Uint8Array): Result<Payload>;
export function decodePayload(type: DataFrameType, deviceId: number, plaintext: Uint8Array): Result<Payload> {
  const size = type === 'reading' ? READING_PAYLOAD_SIZE : CYCLE_PAYLOAD_SIZE;
  if (plaintext.length !== size) return fail('BAD_PAYLOAD', `a ${type} payload is ${size} bytes, got ${plaintext.length}`, 0);
  const view = viewOf(plaintext);

  // wire-format §5.3: the sealed device id must repeat the header's, so a
  // device's key cannot be used to file readings under another device.
  const payloadDevice = view.getInt16(AT_PAYLOAD_DEVICE);
  if (payloadDevice !== deviceId) {
    return fail('DEVICE_MISMATCH', `payload names device ${payloadDevice}, the header ${deviceId}`, AT_PAYLOAD_DEVICE);
  }
  // wire-format §5.3: times must fit a JS Date, or the text stage could not print them.
  // Read as a number, not a BigInt: exact wherever |ms| ≤ MAX_ABS_TIME_MS < 2^53, and
  // anything beyond stays beyond it, so the BigInt is only made for the error message.
  const ms = view.getInt32(AT_TIME) * 0x1_0000_0000 + view.getUint32(AT_TIME + 4);
  if (ms > MAX_ABS_TIME_MS || ms < -MAX_ABS_TIME_MS) {
    return fail('BAD_PAYLOAD', `time ${view.getBigInt64(AT_TIME)} ms is outside ±${MAX_ABS_TIME_MS} ms`, AT_TIME);
  }

  if (type === 'reading') {
    return ok({
      type,
      deviceId,
      ts: ms,
      temperature: view.getFloat32(AT_READING_VALUES),
      pressure: view.getFloat32(AT_READING_VALUES + 4),
      humidity: view.getFloat32(AT_READING_VALUES + 8),
    });
  }
  const phases = [phaseOf(view, 0), phaseOf(view, 1), phaseOf(view, 2), phaseOf(view, 3), phaseOf(view, 4)];
  return ok({ type, deviceId, cycleStart: ms, cycle: view.getUint32(AT_CYCLE_NUMBER), phases });
}

/**
 * wire-format §5.2: the 5 sensors of phase p (5 phases). Array literals of
 * exactly their size: push() would grow each row's store past it.
 */
function phaseOf(view: DataView, p: number): number[] {
  const at = AT_CYCLE_VALUES + 4 * SENSORS_PER_PHASE * p;
  return [view.getFloat32(at), view.getFloat32(at + 4), view.getFloat32(at + 8), view.getFloat32(at + 12), view.getFloat32(at + 16)];
}
