import { StartupError } from '../errors/startup-error.js';
import { TYPICAL_MODEL } from '../phase-model/typical-model.js';
import type { PhaseModel } from '../phase-model/phase-model-types.js';
import type { AnomalyKind } from './anomaly.js';
import { createPlcCycles } from './historical-plc.js';
import type { PlcCyclesOptions } from './historical-plc.js';
import type { HistoricalRow } from './historical-row.js';

export interface HistoricalOptions {
  /** PLCs 1..plcs, at most 32767 (device ids). */
  readonly plcs: number;
  /** Range [from, to), ms since the epoch; the first cycle of every PLC starts at `from`. */
  readonly from: number;
  readonly to: number;
  /** 0 (no anomalies) … 1. */
  readonly temperature: number;
  /** 0..2^32-1: the same seed and options give the same rows. */
  readonly seed: number;
  /** Default: TYPICAL_MODEL. */
  readonly model?: PhaseModel;
  /** Default: every kind. */
  readonly kinds?: readonly AnomalyKind[];
  readonly observe?: PlcCyclesOptions['observe'];
}

/** Throws StartupError (CONFIG_INVALID) naming the option at fault. */
export function checkHistoricalOptions(o: HistoricalOptions): void {
  const bad = (what: string, hint: string) => {
    throw new StartupError('CONFIG_INVALID', what, hint);
  };
  if (!(Number.isInteger(o.plcs) && o.plcs >= 1 && o.plcs <= 32767)) bad(`plcs ${o.plcs} is not an integer in 1..32767`, 'simulate at least one PLC');
  if (!Number.isFinite(o.from)) bad('from is not a valid time', 'use a date such as 2026-01-01');
  if (!Number.isFinite(o.to)) bad('to is not a valid time', 'use a date such as 2026-01-08');
  if (!(o.to > o.from)) bad(`to ${new Date(o.to).toISOString()} is not after from ${new Date(o.from).toISOString()}`, 'give a range that ends after it starts');
  if (!(o.temperature >= 0 && o.temperature <= 1)) bad(`temperature ${o.temperature} is outside 0..1`, 'use 0 for no anomalies, 1 for the most');
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffff_ffff)) bad(`seed ${o.seed} is not an integer in 0..4294967295`, 'pass a 32-bit seed');
}

/**
 * The rows of a historical data set, in file order: by timestamp, then
 * PLC. Each PLC runs uninterrupted (`createPlcCycles`); this merges their
 * rows lazily, holding one cycle (5 rows) per PLC, so memory does not grow
 * with the range.
 */
export function* generateHistoricalRows(o: HistoricalOptions): Generator<HistoricalRow, void, undefined> {
  checkHistoricalOptions(o);
  const model = o.model ?? TYPICAL_MODEL;
  const plcs = Array.from({ length: o.plcs }, (_, i) => {
    const source = createPlcCycles({ plc: i + 1, seed: o.seed, temperature: o.temperature, model, from: o.from, to: o.to, ...(o.kinds ? { kinds: o.kinds } : {}), ...(o.observe ? { observe: o.observe } : {}) });
    const cycle = source.next();
    return { source, cycle, i: 0, at: cycle?.starts[0] ?? Infinity };
  });
  for (;;) {
    // The PLC whose next row comes first; ties go to the lower id (the array's order).
    let best = plcs[0];
    for (const p of plcs) if (p.at < best!.at) best = p;
    if (!best?.cycle) return;
    yield best.cycle.rows[best.i]!;
    if (++best.i >= best.cycle.rows.length) {
      best.cycle = best.source.next();
      best.i = 0;
    }
    best.at = best.cycle?.starts[best.i] ?? Infinity;
  }
}
