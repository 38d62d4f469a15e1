import type { CycleRecord, ReadingRecord } from '../pipeline/text-record.js';

/** Record builders for db tests and the throughput script. Values are exact in float32 so tests can compare with ===. */
export function readingRecord(device: number, seq: number | string, over: Partial<ReadingRecord> = {}): ReadingRecord {
  return { type: 'reading', device, seq: String(seq), keyId: 7, ts: '2026-11-21T07:40:00.125Z', temperature: 21.5, pressure: 1013.25, humidity: 45.5, ...over };
}

export function cycleRecord(device: number, seq: number | string, over: Partial<CycleRecord> = {}): CycleRecord {
  const phases = Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => p * 10 + s + 0.5));
  return { type: 'cycle', device, seq: String(seq), keyId: 7, cycleStart: '2026-11-21T07:40:00.000Z', cycle: Number(seq), phases, ...over };
}
