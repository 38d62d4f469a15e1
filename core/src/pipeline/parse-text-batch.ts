import { fail, ok, type Result } from '../result/result.js';
import { recordTexts } from './record-texts.js';
import type { CycleRecord, ReadingRecord, TextBatch, TextRecord } from './text-record.js';

/** A parsed body, with each record's JSON as it arrived (record-texts.ts) when it could be found exactly. */
export interface ParsedTextBatch extends TextBatch {
  readonly texts?: readonly string[];
}

/**
 * Validates the text stage's JSON (store-reading's input) without trusting
 * it: store-reading is reachable over HTTP, so its body is untrusted too.
 */
export function parseTextBatch(text: string, maxRecords = 10_000): Result<ParsedTextBatch> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail('BAD_REQUEST', `body is not JSON: ${(e as Error).message}`);
  }
  const batch = textBatchOf(raw, maxRecords);
  if (!batch.ok) return batch;
  const texts = recordTexts(text);
  return texts?.length === batch.value.records.length ? ok({ records: batch.value.records, texts }) : batch;
}

/** The same checks on JSON already parsed (a caller that parsed it to tell its inputs apart). */
export function textBatchOf(raw: unknown, maxRecords = 10_000): Result<TextBatch> {
  if (!isObject(raw) || !Array.isArray(raw['records'])) return fail('BAD_REQUEST', 'body must be {"records": [...]}', 'records');
  const items = raw['records'] as unknown[];
  if (items.length > maxRecords) return fail('TOO_LARGE', `${items.length} records exceed the limit of ${maxRecords}`, 'records');
  const records: TextRecord[] = [];
  for (const [i, item] of items.entries()) {
    const r = parseRecord(item);
    if (!r.ok) return fail('BAD_REQUEST', `records[${i}]: ${r.error.message}`, `records[${i}]`);
    records.push(r.value);
  }
  return ok({ records });
}

function parseRecord(x: unknown): Result<TextRecord> {
  if (!isObject(x)) return fail('BAD_REQUEST', 'not an object');
  const { type, device, seq, keyId } = x;
  if (!Number.isInteger(device) || (device as number) < 1 || (device as number) > 32767) return fail('BAD_REQUEST', 'device must be an integer in 1..32767');
  if (typeof seq !== 'string' || !/^\d{1,19}$/.test(seq) || (seq.length === 19 && BigInt(seq) > MAX_SEQ)) return fail('BAD_REQUEST', 'seq must be a decimal string below 2^63');
  if (!Number.isInteger(keyId) || (keyId as number) < 0 || (keyId as number) > 0xffffffff) return fail('BAD_REQUEST', 'keyId must be a u32');
  if (type === 'reading') {
    const r = x as Partial<ReadingRecord>;
    if (!isIsoDate(r.ts)) return fail('BAD_REQUEST', 'ts must be an ISO-8601 date');
    for (const k of ['temperature', 'pressure', 'humidity'] as const) if (!isSensorValue(r[k])) return fail('BAD_REQUEST', `${k} must be a finite number or null`);
    return ok(x as unknown as ReadingRecord);
  }
  if (type === 'cycle') {
    const c = x as Partial<CycleRecord>;
    if (!isIsoDate(c.cycleStart)) return fail('BAD_REQUEST', 'cycleStart must be an ISO-8601 date');
    if (!Number.isInteger(c.cycle) || (c.cycle as number) < 0 || (c.cycle as number) > 0xffffffff) return fail('BAD_REQUEST', 'cycle must be a u32');
    const phases = c.phases;
    if (!Array.isArray(phases) || phases.length !== 5) return fail('BAD_REQUEST', 'phases must be 5 arrays of 5 values');
    for (const p of phases) if (!Array.isArray(p) || p.length !== 5 || !p.every(isSensorValue)) return fail('BAD_REQUEST', 'phases must be 5 arrays of 5 values');
    return ok(x as unknown as CycleRecord);
  }
  return fail('BAD_REQUEST', 'type must be "reading" or "cycle"');
}

// Up to 18 digits a seq is always below 2^63: BigInt only for the 19-digit ones.
const MAX_SEQ = 2n ** 63n - 1n;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isSensorValue = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const isIsoDate = (v: unknown): boolean => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
