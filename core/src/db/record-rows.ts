import { fail, ok, type Result } from '../result/result.js';
import type { TextRecord } from '../pipeline/text-record.js';
import { TYPE_CODES } from '../wire/constants.js';
import { BinaryArrayWriter } from './binary-arrays.js';
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
  const seq = toSeq(r.seq);
  if (!isDeviceId(r.device)) return refuse(i, 'device must be an integer in 1..32767');
  if (seq === undefined) return refuse(i, 'seq must be a decimal string below 2^63');
  if (!isU32(r.keyId)) return refuse(i, 'keyId must be a u32');
  if (r.type === 'reading') {
    const ms = dateMs(r.ts);
    if (ms === undefined) return refuse(i, 'ts must be an ISO-8601 date');
    return ok({ record: r, seq, seqText: seq.toString(), ms });
  }
  if (r.type === 'cycle') {
    const ms = dateMs(r.cycleStart);
    if (ms === undefined) return refuse(i, 'cycleStart must be an ISO-8601 date');
    if (!isU32(r.cycle)) return refuse(i, 'cycle must be a u32');
    if (r.phases.length !== 5 || !r.phases.every((p) => p.length === 5)) return refuse(i, 'phases must be 5 arrays of 5 values');
    return ok({ record: r, seq, seqText: seq.toString(), ms });
  }
  return refuse(i, 'type must be "reading" or "cycle"');
}

/** A record's failure, its field path built only then: checkRecord runs for every record stored. */
const refuse = (i: number, what: string): Result<never> => fail('BAD_REQUEST', `records[${i}]: ${what}`, `records[${i}]`);

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
 * Counted first, then written straight into each parameter's buffer.
 */
export function batchParams(records: readonly CheckedRecord[]): Buffer[] {
  let readingCount = 0;
  for (const c of records) if (c.record.type === 'reading') readingCount++;
  const cycleCount = records.length - readingCount;
  const frames = [new BinaryArrayWriter('int2', records.length), new BinaryArrayWriter('int8', records.length), new BinaryArrayWriter('int2', records.length), new BinaryArrayWriter('int8', records.length)] as const;
  const readings = [
    new BinaryArrayWriter('int2', readingCount), new BinaryArrayWriter('int8', readingCount), new BinaryArrayWriter('timestamptz', readingCount),
    new BinaryArrayWriter('float4', readingCount), new BinaryArrayWriter('float4', readingCount), new BinaryArrayWriter('float4', readingCount),
  ] as const;
  const cycles = [
    new BinaryArrayWriter('int2', cycleCount), new BinaryArrayWriter('int8', cycleCount), new BinaryArrayWriter('timestamptz', cycleCount),
    new BinaryArrayWriter('int8', cycleCount), new BinaryArrayWriter('float4', cycleCount * 25),
  ] as const;
  for (const c of records) {
    const r = c.record;
    frames[0].int2(r.device);
    frames[1].int8(c.seq);
    frames[2].int2(TYPE_CODES[r.type]);
    frames[3].u32(r.keyId);
    if (r.type === 'reading') {
      readings[0].int2(r.device);
      readings[1].int8(c.seq);
      readings[2].timestamptz(c.ms);
      readings[3].float4(sensor(r.temperature));
      readings[4].float4(sensor(r.pressure));
      readings[5].float4(sensor(r.humidity));
    } else {
      cycles[0].int2(r.device);
      cycles[1].int8(c.seq);
      cycles[2].timestamptz(c.ms);
      cycles[3].u32(r.cycle);
      for (const phase of r.phases) for (const v of phase) cycles[4].float4(sensor(v));
    }
  }
  return [...frames, ...readings, ...cycles].map((w) => w.done());
}
