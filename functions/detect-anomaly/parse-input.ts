import { fail, ok, textBatchOf, type Failure, type Result } from '@typedcluster/core';
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
  // One list of cycles for the whole body: each message's cycles go straight into it.
  const into: Tally = { cycles: [], readings: 0 };
  if (!Array.isArray(json)) {
    const one = parseOne(json, maxRecords, into);
    return one ? fail(one.code, one.message, one.at) : ok({ cycles: into.cycles, readings: into.readings, batch: false });
  }
  // The connector's batch: several text-stage messages, each as it was published.
  for (let i = 0; i < json.length; i++) {
    const one = parseOne(json[i], maxRecords, into);
    if (one) return fail(one.code, `[${i}]: ${one.message}`, `[${i}]${one.at === undefined ? '' : `.${one.at}`}`);
    if (into.cycles.length + into.readings > maxRecords) return fail('TOO_LARGE', `more than ${maxRecords} records in the batch`, `[${i}]`);
  }
  return ok({ cycles: into.cycles, readings: into.readings, batch: true });
}

interface Tally {
  readonly cycles: CycleInput[];
  readings: number;
}

/** Adds one input's cycles and readings to `into`; the error if it is not valid. */
function parseOne(json: unknown, maxRecords: number, into: Tally): Failure | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { code: 'BAD_REQUEST', message: 'body must be a JSON object with "records" or "plcs"' };
  if ('records' in json) {
    const batch = textBatchOf(json, maxRecords);
    if (!batch.ok) return batch.error;
    for (const r of batch.value.records) {
      if (r.type === 'cycle') into.cycles.push({ plc: r.device, cycle: r.cycle, cycleStart: r.cycleStart, phases: r.phases });
      else into.readings++;
    }
    return undefined;
  }
  const block = parseBlock(json as Record<string, unknown>, maxRecords);
  if (!block.ok) return block.error;
  for (const c of block.value) into.cycles.push(c);
  return undefined;
}

function parseBlock(b: Record<string, unknown>, maxRecords: number): Result<CycleInput[]> {
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
  return ok(cycles);
}
