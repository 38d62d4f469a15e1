import { fail, ok, type Result } from '../result/result.js';
import type { CycleRecord, ReadingRecord, TextRecord } from '../pipeline/text-record.js';
import { isDeviceId, isU32, sensorValue, toSeq } from './db-values.js';

/**
 * Turns text records into column arrays for `unnest(...)` inserts: one
 * array per column is one bind parameter, so a batch of any size is one
 * statement with a fixed, small parameter count.
 */
export interface ReadingColumns {
  readonly device: number[];
  readonly seq: string[];
  readonly ts: string[];
  readonly temperature: (number | null)[];
  readonly pressure: (number | null)[];
  readonly humidity: (number | null)[];
}

/** Five rows per cycle record: phase 1..5. */
export interface CycleColumns {
  readonly device: number[];
  readonly seq: string[];
  readonly cycleStart: string[];
  readonly cycleNo: number[];
  readonly phase: number[];
  /** sensors[s][row]: column s1..s5. */
  readonly sensors: [(number | null)[], (number | null)[], (number | null)[], (number | null)[], (number | null)[]];
}

/** Checks what the database would otherwise reject mid-batch, so a bad record fails alone and early. */
export function checkRecord(r: TextRecord, i: number): Result<bigint> {
  const at = `records[${i}]`;
  const seq = toSeq(r.seq);
  if (!isDeviceId(r.device)) return fail('BAD_REQUEST', `${at}: device must be an integer in 1..32767`, at);
  if (seq === undefined) return fail('BAD_REQUEST', `${at}: seq must be a decimal string below 2^63`, at);
  if (!isU32(r.keyId)) return fail('BAD_REQUEST', `${at}: keyId must be a u32`, at);
  if (r.type === 'reading') {
    if (!isDate(r.ts)) return fail('BAD_REQUEST', `${at}: ts must be an ISO-8601 date`, at);
    return ok(seq);
  }
  if (r.type === 'cycle') {
    if (!isDate(r.cycleStart)) return fail('BAD_REQUEST', `${at}: cycleStart must be an ISO-8601 date`, at);
    if (!isU32(r.cycle)) return fail('BAD_REQUEST', `${at}: cycle must be a u32`, at);
    if (r.phases.length !== 5 || !r.phases.every((p) => p.length === 5)) return fail('BAD_REQUEST', `${at}: phases must be 5 arrays of 5 values`, at);
    return ok(seq);
  }
  return fail('BAD_REQUEST', `${at}: type must be "reading" or "cycle"`, at);
}

const isDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

export function readingColumns(records: readonly ReadingRecord[]): ReadingColumns {
  const c: ReadingColumns = { device: [], seq: [], ts: [], temperature: [], pressure: [], humidity: [] };
  for (const r of records) {
    c.device.push(r.device);
    c.seq.push(r.seq);
    c.ts.push(r.ts);
    c.temperature.push(sensorValue(r.temperature));
    c.pressure.push(sensorValue(r.pressure));
    c.humidity.push(sensorValue(r.humidity));
  }
  return c;
}

export function cycleColumns(records: readonly CycleRecord[]): CycleColumns {
  const c: CycleColumns = { device: [], seq: [], cycleStart: [], cycleNo: [], phase: [], sensors: [[], [], [], [], []] };
  for (const r of records) {
    for (let p = 0; p < 5; p++) {
      c.device.push(r.device);
      c.seq.push(r.seq);
      c.cycleStart.push(r.cycleStart);
      c.cycleNo.push(r.cycle);
      c.phase.push(p + 1);
      const values = r.phases[p];
      for (let s = 0; s < 5; s++) c.sensors[s]?.push(sensorValue(values?.[s]));
    }
  }
  return c;
}
