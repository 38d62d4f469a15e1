import { viewOf } from './bytes.js';
import { CYCLE_PAYLOAD_SIZE, MAX_ABS_TIME_MS, MAX_DEVICE_ID, PHASES, READING_PAYLOAD_SIZE, SENSORS_PER_PHASE } from './constants.js';
import type { Payload } from './frame-types.js';

/**
 * The plaintext bytes of a payload (wire-format §5). Sensor values are
 * rounded to float32; NaN and ±Infinity are written as is (§5.3). Throws
 * RangeError for values the format cannot carry (a caller bug).
 */
export function encodePayload(payload: Payload): Uint8Array {
  const { deviceId } = payload;
  if (!Number.isInteger(deviceId) || deviceId < 1 || deviceId > MAX_DEVICE_ID) {
    throw new RangeError(`device id ${deviceId} is outside 1..${MAX_DEVICE_ID}`);
  }
  const time = payload.type === 'reading' ? payload.ts : payload.cycleStart;
  if (!Number.isInteger(time) || Math.abs(time) > MAX_ABS_TIME_MS) throw new RangeError(`time ${time} is not an integer ms within the Date range`);

  if (payload.type === 'reading') {
    const out = new Uint8Array(READING_PAYLOAD_SIZE);
    const view = viewOf(out);
    view.setInt16(0, deviceId);
    view.setBigInt64(2, BigInt(time));
    view.setFloat32(10, payload.temperature);
    view.setFloat32(14, payload.pressure);
    view.setFloat32(18, payload.humidity);
    return out;
  }

  if (!Number.isInteger(payload.cycle) || payload.cycle < 0 || payload.cycle > 0xffff_ffff) {
    throw new RangeError(`cycle ${payload.cycle} is not a u32`);
  }
  const { phases } = payload;
  if (phases.length !== PHASES || phases.some((row) => row.length !== SENSORS_PER_PHASE)) {
    throw new RangeError(`phases must be ${PHASES} × ${SENSORS_PER_PHASE} values`);
  }
  const out = new Uint8Array(CYCLE_PAYLOAD_SIZE);
  const view = viewOf(out);
  view.setInt16(0, deviceId);
  view.setBigInt64(2, BigInt(time));
  view.setUint32(10, payload.cycle);
  // wire-format §5.2: phase-major, phase 1 s1..s5 first.
  phases.forEach((row, p) => row.forEach((v, s) => view.setFloat32(14 + 4 * (p * SENSORS_PER_PHASE + s), v)));
  return out;
}
