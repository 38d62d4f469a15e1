import type { PolledRow } from './dashboard-queries.js';
import type { PhaseRow } from './dashboard-types.js';

/** A transaction stamps stored_at when it starts but may commit later: re-read this far back, skip what was seen. */
const OVERLAP_US = 5_000_000n;

/**
 * The poll cursor over cycle_phases.stored_at and the rows seen inside its
 * overlap window, so a re-read row is not sent twice and a late commit
 * inside the window is still picked up.
 */
export class FreshRows {
  private readonly seen = new Map<string, bigint>();
  private highUs = 0n;

  /** Where the next poll reads from (epoch µs, as text for the query). */
  get pollFromUs(): string {
    return (this.highUs - OVERLAP_US).toString();
  }

  /** Forgets everything and polls from the database's `nowUs`. */
  reset(nowUs: string): void {
    this.seen.clear();
    this.highUs = BigInt(nowUs);
  }

  clear(): void {
    this.seen.clear();
  }

  /** Rows not seen before, remembering them for the overlap window. */
  take(rows: readonly PolledRow[]): PhaseRow[] {
    const fresh: PhaseRow[] = [];
    for (const r of rows) {
      const key = `${r.plc}:${r.seq}:${r.phase}`;
      if (this.seen.has(key)) continue;
      const us = BigInt(r.storedUs);
      this.seen.set(key, us);
      if (us > this.highUs) this.highUs = us;
      fresh.push({ plc: r.plc, seq: r.seq, cycle: r.cycle, phase: r.phase, t: r.t, s: r.s });
    }
    const floor = this.highUs - OVERLAP_US;
    for (const [key, us] of this.seen) if (us < floor) this.seen.delete(key);
    return fresh;
  }
}
