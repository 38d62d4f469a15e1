import { fail, ok, type Result } from '../result/result.js';
import type { TextRecord } from '../pipeline/text-record.js';
import { TYPE_CODES } from '../wire/constants.js';
import { float4Array, int2Array, int8Array, timestamptzArray, u32Int8Array } from './binary-arrays.js';
import { isDeviceId, isU32, toSeq } from './db-values.js';

/**
 * Turns text records into the array parameters of the store statement
 * (reading-store.ts): one array per column is one bind parameter, so a
 * batch of any size is one statement with a fixed, small parameter count.
 * Arrays go in PostgreSQL's binary format (binary-arrays.ts). Non-finite
 * sensor values go as NaN, which the statement turns into NULL: an array
 * without NULLs is one the statement can index into at a fixed offset.
 */
export interface CheckedRecord {
  readonly record: TextRecord;
  readonly seq: bigint;
  /** seq in canonical decimal ("040" → "40"): the ledger key. */
  readonly seqText: string;
  /** ts (reading) or cycleStart (cycle) in epoch milliseconds, as Date.parse read it. */
  readonly ms: number;
}

/** Checks what the database would otherwise reject mid-batch, so a bad record fails alone and early. */
export function checkRecord(r: TextRecord, i: number): Result<CheckedRecord> {
  const at = `records[${i}]`;
  const seq = toSeq(r.seq);
  if (!isDeviceId(r.device)) return fail('BAD_REQUEST', `${at}: device must be an integer in 1..32767`, at);
  if (seq === undefined) return fail('BAD_REQUEST', `${at}: seq must be a decimal string below 2^63`, at);
  if (!isU32(r.keyId)) return fail('BAD_REQUEST', `${at}: keyId must be a u32`, at);
  if (r.type === 'reading') {
    const ms = dateMs(r.ts);
    if (ms === undefined) return fail('BAD_REQUEST', `${at}: ts must be an ISO-8601 date`, at);
    return ok({ record: r, seq, seqText: seq.toString(), ms });
  }
  if (r.type === 'cycle') {
    const ms = dateMs(r.cycleStart);
    if (ms === undefined) return fail('BAD_REQUEST', `${at}: cycleStart must be an ISO-8601 date`, at);
    if (!isU32(r.cycle)) return fail('BAD_REQUEST', `${at}: cycle must be a u32`, at);
    if (r.phases.length !== 5 || !r.phases.every((p) => p.length === 5)) return fail('BAD_REQUEST', `${at}: phases must be 5 arrays of 5 values`, at);
    return ok({ record: r, seq, seqText: seq.toString(), ms });
  }
  return fail('BAD_REQUEST', `${at}: type must be "reading" or "cycle"`, at);
}

/** PostgreSQL's earliest timestamptz (4714-11-24 BC); a JS Date reaches later than its latest. */
const PG_MIN_MS = Date.UTC(-4713, 10, 24);

/** Epoch ms of a date string, or undefined when it is no date or one PostgreSQL cannot store (refused here, not mid-batch). */
const dateMs = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return ms >= PG_MIN_MS ? ms : undefined;
};

/** A sensor value for a real[] parameter: NaN for null and ±Infinity, so the statement stores NULL. */
const sensor = (v: number | null | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/**
 * The 15 parameters of the store statement, in its order:
 * frames (device, seq, type, key id); readings (device, seq, ts,
 * temperature, pressure, humidity); cycles, one element per frame
 * (device, seq, cycle start, cycle no) and its 25 sensor values
 * flattened phase by phase (values[frame * 25 + phase * 5 + sensor]).
 */
export function batchParams(records: readonly CheckedRecord[]): Buffer[] {
  const frames = { device: [] as number[], seq: [] as bigint[], type: [] as number[], keyId: [] as number[] };
  const readings = { device: [] as number[], seq: [] as bigint[], ms: [] as number[], t: [] as number[], p: [] as number[], h: [] as number[] };
  const cycles = { device: [] as number[], seq: [] as bigint[], ms: [] as number[], no: [] as number[], values: [] as number[] };
  for (const c of records) {
    const r = c.record;
    frames.device.push(r.device);
    frames.seq.push(c.seq);
    frames.type.push(TYPE_CODES[r.type]);
    frames.keyId.push(r.keyId);
    if (r.type === 'reading') {
      readings.device.push(r.device);
      readings.seq.push(c.seq);
      readings.ms.push(c.ms);
      readings.t.push(sensor(r.temperature));
      readings.p.push(sensor(r.pressure));
      readings.h.push(sensor(r.humidity));
    } else {
      cycles.device.push(r.device);
      cycles.seq.push(c.seq);
      cycles.ms.push(c.ms);
      cycles.no.push(r.cycle);
      for (const phase of r.phases) for (const v of phase) cycles.values.push(sensor(v));
    }
  }
  return [
    int2Array(frames.device), int8Array(frames.seq), int2Array(frames.type), u32Int8Array(frames.keyId),
    int2Array(readings.device), int8Array(readings.seq), timestamptzArray(readings.ms),
    float4Array(readings.t), float4Array(readings.p), float4Array(readings.h),
    int2Array(cycles.device), int8Array(cycles.seq), timestamptzArray(cycles.ms), u32Int8Array(cycles.no), float4Array(cycles.values),
  ];
}
