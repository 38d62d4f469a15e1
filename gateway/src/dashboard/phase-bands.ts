import type { PhaseModel, Range } from '@typedcluster/core';
import type { PhaseRow, SeriesChunk, SeriesName } from './dashboard-types.js';

/**
 * The expected band of sensor `sensor` (0-based) in phase `phase` (1..5),
 * from the phase model the platform loaded. A point at phase_start t holds
 * its band until the next point, so the page draws lo/hi as steps: the band
 * changes at each phase boundary along the time axis.
 */
export function bandOf(model: PhaseModel, sensor: number, phase: number): Range | undefined {
  return model[sensor]?.[phase - 1];
}

/**
 * How far a row is outside its bands: the largest distance of a sensor
 * beyond its band, in band widths (a band of width 0 counts as width 1).
 * 0 = every sensor inside; null = no sensor has a value.
 */
export function excursion(model: PhaseModel, row: Pick<PhaseRow, 'phase' | 's'>): number | null {
  let worst: number | null = null;
  for (const [i, v] of row.s.entries()) {
    const band = bandOf(model, i, row.phase);
    if (v === null || band === undefined) continue;
    const [lo, hi] = band;
    const out = v < lo ? lo - v : v > hi ? v - hi : 0;
    const d = out / (hi - lo > 0 ? hi - lo : 1);
    worst = worst === null ? d : Math.max(worst, d);
  }
  return worst === null ? null : Math.round(worst * 1000) / 1000;
}

/** One series of the given rows (in time order) as the page charts it. */
export function seriesChunk(model: PhaseModel, rows: readonly PhaseRow[], name: SeriesName): SeriesChunk {
  const t = rows.map((r) => r.t);
  const phase = rows.map((r) => r.phase);
  if (name === 'dev') return { t, phase, v: rows.map((r) => excursion(model, r)) };
  const sensor = Number(name.slice(1)) - 1;
  const bands = rows.map((r) => bandOf(model, sensor, r.phase));
  return {
    t,
    phase,
    v: rows.map((r) => r.s[sensor] ?? null),
    lo: bands.map((b) => b?.[0] ?? Number.NaN),
    hi: bands.map((b) => b?.[1] ?? Number.NaN),
  };
}
