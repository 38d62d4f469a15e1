import { fail, ok, textBatchOf, type Result } from '@typedcluster/core';
import type { CycleInput } from './cycle-report.js';

/**
 * The two inputs (README.md "Input"): the text stage `{"records": [...]}`
 * as store-reading publishes it on `readings/{device}`, or a 30-second
 * block `{"cycleStart": ISO, "plcs": [{"plc", "cycle", "phases"}]}` over
 * HTTP; or a JSON array of those (the connector's batch of text-stage
 * messages). All become cycles; reading records (sensors) are counted, not
 * scored. The shape of a cycle's phases is checked later, per cycle, so a
 * cycle with missing phases gets an `unusable` report instead of failing
 * the whole block.
 */
export interface ParsedInput {
  readonly cycles: CycleInput[];
  readonly readings: number;
  /** The body was a JSON array of inputs: the connector's batch (`com.typedcluster.batch: json`). */
  readonly batch: boolean;
}

const MAX_PLC = 32767;

export function parseInput(text: string, maxRecords: number): Result<ParsedInput> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('BAD_REQUEST', 'body is not JSON');
  }
  if (!Array.isArray(json)) {
    const one = parseOne(json, maxRecords);
    return one.ok ? ok({ ...one.value, batch: false }) : one;
  }
  // The connector's batch: several text-stage messages, each as it was published.
  const cycles: CycleInput[] = [];
  let readings = 0;
  for (const [i, item] of json.entries()) {
    const one = parseOne(item, maxRecords);
    if (!one.ok) return fail(one.error.code, `[${i}]: ${one.error.message}`, `[${i}]${one.error.at === undefined ? '' : `.${one.error.at}`}`);
    cycles.push(...one.value.cycles);
    readings += one.value.readings;
    if (cycles.length + readings > maxRecords) return fail('TOO_LARGE', `more than ${maxRecords} records in the batch`, `[${i}]`);
  }
  return ok({ cycles, readings, batch: true });
}

function parseOne(json: unknown, maxRecords: number): Result<Omit<ParsedInput, 'batch'>> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('BAD_REQUEST', 'body must be a JSON object with "records" or "plcs"');
  if ('records' in json) {
    const batch = textBatchOf(json, maxRecords);
    if (!batch.ok) return batch;
    const cycles: CycleInput[] = [];
    let readings = 0;
    for (const r of batch.value.records) {
      if (r.type === 'cycle') cycles.push({ plc: r.device, cycle: r.cycle, cycleStart: r.cycleStart, phases: r.phases });
      else readings++;
    }
    return ok({ cycles, readings });
  }
  return parseBlock(json as Record<string, unknown>, maxRecords);
}

function parseBlock(b: Record<string, unknown>, maxRecords: number): Result<Omit<ParsedInput, 'batch'>> {
  const start = b['cycleStart'];
  if (typeof start !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(start) || Number.isNaN(Date.parse(start))) {
    return fail('BAD_REQUEST', 'cycleStart must be an ISO-8601 UTC time, e.g. "2026-11-21T07:00:00.000Z"', 'cycleStart');
  }
  const plcs = b['plcs'];
  if (!Array.isArray(plcs) || plcs.length === 0) return fail('BAD_REQUEST', 'plcs must be a non-empty array', 'plcs');
  if (plcs.length > maxRecords) return fail('TOO_LARGE', `${plcs.length} PLCs; at most ${maxRecords}`, 'plcs');
  const cycleStart = new Date(start).toISOString();
  const cycles: CycleInput[] = [];
  for (const [i, p] of plcs.entries()) {
    const at = `plcs[${i}]`;
    const r = (p ?? {}) as Record<string, unknown>;
    if (!Number.isInteger(r['plc']) || (r['plc'] as number) < 1 || (r['plc'] as number) > MAX_PLC) return fail('BAD_REQUEST', `${at}.plc must be a device id 1..${MAX_PLC}`, `${at}.plc`);
    if (!Number.isInteger(r['cycle']) || (r['cycle'] as number) < 0) return fail('BAD_REQUEST', `${at}.cycle must be an integer >= 0`, `${at}.cycle`);
    const phases = r['phases'];
    if (!Array.isArray(phases) || !phases.every((ph) => Array.isArray(ph) && ph.every((v) => v === null || typeof v === 'number'))) {
      return fail('BAD_REQUEST', `${at}.phases must be arrays of numbers or null (null = missing)`, `${at}.phases`);
    }
    cycles.push({ plc: r['plc'] as number, cycle: r['cycle'] as number, cycleStart, phases: phases as (number | null)[][] });
  }
  return ok({ cycles, readings: 0 });
}
