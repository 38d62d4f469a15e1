import type { PhaseModel } from '@typedcluster/core';
import { decimateMinMax, pick } from './decimate.js';
import type { PhaseRow, PlcChunk, SeriesChunk, SeriesName } from './dashboard-types.js';
import { seriesChunk } from './phase-bands.js';

interface PlcRows {
  rows: PhaseRow[];
  /** The poller tick each row arrived in, parallel to rows. */
  ticks: number[];
  /** Newest tick whose rows were evicted or arrived out of time order: a client behind it needs a replace. */
  brokenAt: number;
}

/**
 * The last `cap` phase rows of every PLC, in time order, shared by every
 * viewer: snapshots come from here, not from a query per client. Rows
 * remember the poller tick they arrived in, so a reconnecting client gets
 * only what it missed.
 */
export class CycleHistory {
  private readonly byPlc = new Map<number, PlcRows>();

  constructor(
    private readonly cap: number,
    private readonly model: PhaseModel,
  ) {}

  /** Adds the rows of one tick; returns them per PLC and the PLCs that must be replaced (out-of-order rows). */
  add(rows: readonly PhaseRow[], tick: number): { added: Map<number, PhaseRow[]>; replaced: Set<number> } {
    const added = new Map<number, PhaseRow[]>();
    for (const r of rows) {
      const list = added.get(r.plc) ?? [];
      list.push(r);
      added.set(r.plc, list);
    }
    const replaced = new Set<number>();
    for (const [plc, list] of added) {
      list.sort((a, b) => a.t - b.t || a.phase - b.phase);
      const h = this.byPlc.get(plc) ?? { rows: [], ticks: [], brokenAt: -1 };
      this.byPlc.set(plc, h);
      const last = h.rows[h.rows.length - 1];
      if (last !== undefined && (list[0] as PhaseRow).t < last.t) {
        // A late row (a device's outbox catching up): keep time order, tell viewers to redraw this PLC.
        const merged = [...h.rows.map((r, i) => ({ r, k: h.ticks[i] as number })), ...list.map((r) => ({ r, k: tick }))];
        merged.sort((a, b) => a.r.t - b.r.t || a.r.phase - b.r.phase);
        h.rows = merged.map((m) => m.r);
        h.ticks = merged.map((m) => m.k);
        h.brokenAt = tick;
        replaced.add(plc);
      } else {
        h.rows.push(...list);
        for (let i = 0; i < list.length; i++) h.ticks.push(tick);
      }
      const excess = h.rows.length - this.cap;
      if (excess > 0) {
        const evictedTicks = h.ticks.splice(0, excess);
        h.rows.splice(0, excess);
        h.brokenAt = Math.max(h.brokenAt, ...evictedTicks);
      }
    }
    return { added, replaced };
  }

  plcs(): number[] {
    return [...this.byPlc.keys()].sort((a, b) => a - b);
  }

  has(plc: number): boolean {
    return this.byPlc.has(plc);
  }

  rowsOf(plc: number): readonly PhaseRow[] {
    return this.byPlc.get(plc)?.rows ?? [];
  }

  /** Time of the oldest row kept for a PLC (anomalies before it are off the chart). */
  oldest(plc: number): number | undefined {
    return this.byPlc.get(plc)?.rows[0]?.t;
  }

  clear(): void {
    this.byPlc.clear();
  }

  /** Everything kept for `plc`, decimated to `points` per series. */
  snapshot(plc: number, names: readonly SeriesName[], points: number): PlcChunk {
    const rows = this.rowsOf(plc);
    const series: Partial<Record<SeriesName, SeriesChunk>> = {};
    for (const name of names) series[name] = decimated(seriesChunk(this.model, rows, name), points);
    return { plc, replace: true, lastCycle: rows[rows.length - 1]?.cycle, series };
  }

  /** New rows as an append chunk. */
  append(plc: number, rows: readonly PhaseRow[], names: readonly SeriesName[]): PlcChunk {
    const series: Partial<Record<SeriesName, SeriesChunk>> = {};
    for (const name of names) series[name] = seriesChunk(this.model, rows, name);
    return { plc, replace: false, lastCycle: rows[rows.length - 1]?.cycle, series };
  }

  /**
   * What a client that saw everything up to `tick` missed: an append chunk,
   * a replace when rows it needs were evicted or reordered since, or
   * undefined when nothing is new.
   */
  since(plc: number, tick: number, names: readonly SeriesName[], points: number): PlcChunk | undefined {
    const h = this.byPlc.get(plc);
    if (!h) return undefined;
    if (h.brokenAt > tick) return this.snapshot(plc, names, points);
    const from = h.ticks.findIndex((k) => k > tick);
    if (from < 0) return undefined;
    return this.append(plc, h.rows.slice(from), names);
  }
}

function decimated(chunk: SeriesChunk, points: number): SeriesChunk {
  if (chunk.t.length <= points) return chunk;
  const keep = decimateMinMax(chunk.t.length, points, (i) => chunk.v[i] ?? null);
  return {
    t: pick(chunk.t, keep),
    v: pick(chunk.v, keep),
    phase: pick(chunk.phase, keep),
    ...(chunk.lo ? { lo: pick(chunk.lo, keep) } : {}),
    ...(chunk.hi ? { hi: pick(chunk.hi, keep) } : {}),
  };
}
