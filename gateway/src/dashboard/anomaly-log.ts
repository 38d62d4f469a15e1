import type { AnomalyMarker } from './dashboard-types.js';

/** Anomaly ids are re-read this far back (a report committed out of id order still shows). */
const ANOMALY_OVERLAP = 100n;
const ANOMALIES_PER_PLC = 100;

/** The newest anomaly markers of every PLC, and the id cursor the poller reads after. */
export class AnomalyLog {
  private readonly byPlc = new Map<number, AnomalyMarker[]>();
  private readonly seen = new Set<bigint>();
  private maxId: bigint | undefined;

  /** The id to poll after, or undefined: read the newest ones. */
  get pollAfterId(): string | undefined {
    return this.maxId === undefined ? undefined : (this.maxId - ANOMALY_OVERLAP).toString();
  }

  clear(): void {
    this.byPlc.clear();
    this.seen.clear();
    this.maxId = undefined;
  }

  /** Markers not seen before, kept (ANOMALIES_PER_PLC per PLC at most) and returned. */
  take(markers: readonly AnomalyMarker[]): AnomalyMarker[] {
    const fresh: AnomalyMarker[] = [];
    for (const m of markers) {
      const id = BigInt(m.id);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      if (this.maxId === undefined || id > this.maxId) this.maxId = id;
      const list = this.byPlc.get(m.plc) ?? [];
      list.push(m);
      if (list.length > ANOMALIES_PER_PLC) list.shift();
      this.byPlc.set(m.plc, list);
      fresh.push(m);
    }
    const floor = (this.maxId ?? 0n) - ANOMALY_OVERLAP;
    for (const id of this.seen) if (id <= floor) this.seen.delete(id);
    return fresh;
  }

  /** The kept markers of the PLCs `wanted` picks. */
  of(wanted: (plc: number) => boolean): AnomalyMarker[] {
    return [...this.byPlc].filter(([plc]) => wanted(plc)).flatMap(([, list]) => list);
  }
}
