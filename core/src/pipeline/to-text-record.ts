import { shortestFloat32 } from '../wire/float32-text.js';
import type { Frame, Payload } from '../wire/frame-types.js';
import type { TextRecord } from './text-record.js';

/**
 * The binary → text step of the pipeline: a decrypted payload becomes the
 * UTF-8 JSON record that store-reading accepts. Sensor values are float32
 * (wire-format §1.1) and are written as the shortest decimal that reads back
 * as the same float32 (23.4, not 23.399999618530273), as PostgreSQL prints a
 * `real`. NaN and ±Infinity (a failed sensor, legal on the wire) have no
 * JSON form and become null.
 */
export function toTextRecord(frame: Frame, payload: Payload): TextRecord {
  const base = { device: frame.deviceId, seq: frame.seq.toString(), keyId: frame.keyId } as const;
  if (payload.type === 'reading') {
    return {
      type: 'reading',
      ...base,
      ts: new Date(payload.ts).toISOString(),
      temperature: finiteOrNull(payload.temperature),
      pressure: finiteOrNull(payload.pressure),
      humidity: finiteOrNull(payload.humidity),
    };
  }
  return {
    type: 'cycle',
    ...base,
    cycleStart: new Date(payload.cycleStart).toISOString(),
    cycle: payload.cycle,
    phases: payload.phases.map(phaseText),
  };
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? shortestFloat32(v) : null);
// Module-level, not a closure per frame.
const phaseText = (phase: readonly number[]): Array<number | null> => phase.map(finiteOrNull);
