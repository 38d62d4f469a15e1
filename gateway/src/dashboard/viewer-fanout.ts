import type { AnomalyLog } from './anomaly-log.js';
import type { CycleHistory } from './cycle-history.js';
import type { AnomalyMarker, PhaseRow, PlcChunk } from './dashboard-types.js';
import type { SseClient } from './sse-client.js';
import { formatSseEvent } from './sse-frame.js';
import { selectionKey, wantsPlc, type Subscription } from './subscription.js';

/** One connected viewer; `ready` once it got its hello and snapshot (no live event may precede them). */
export interface Viewer {
  readonly sub: Subscription;
  readonly client: SseClient;
  ready: boolean;
}

/**
 * The rows one tick added, to every ready viewer that picked their PLCs.
 * Framed once per distinct selection: 100 viewers of the overview cost one
 * JSON.stringify. A PLC whose window was replaced (a cycle rewritten) goes
 * out as a snapshot chunk instead of an append.
 */
export function fanOutRows(viewers: Iterable<Viewer>, history: CycleHistory, tick: { added: ReadonlyMap<number, PhaseRow[]>; replaced: ReadonlySet<number> }, cursor: string): void {
  if (tick.added.size === 0) return;
  const framedBySelection = new Map<string, string | null>();
  for (const v of viewers) {
    if (!v.ready) continue;
    const key = selectionKey(v.sub);
    let framed = framedBySelection.get(key);
    if (framed === undefined) {
      const chunks: PlcChunk[] = [];
      for (const [plc, list] of tick.added) {
        if (!wantsPlc(v.sub, plc)) continue;
        chunks.push(tick.replaced.has(plc) ? history.snapshot(plc, v.sub.series, v.sub.points) : history.append(plc, list, v.sub.series));
      }
      framed = chunks.length === 0 ? null : formatSseEvent({ event: 'rows', id: cursor, data: JSON.stringify({ cursor, plcs: chunks }) });
      framedBySelection.set(key, framed);
    }
    if (framed !== null) v.client.send('rows', framed, 'stream');
  }
}

/** New anomaly markers, to the ready viewers of their PLCs. */
export function fanOutAnomalies(viewers: Iterable<Viewer>, markers: readonly AnomalyMarker[]): void {
  if (markers.length === 0) return;
  for (const v of viewers) {
    if (!v.ready) continue;
    const mine = markers.filter((m) => wantsPlc(v.sub, m.plc));
    if (mine.length > 0) v.client.send('anomalies', formatSseEvent({ event: 'anomalies', data: JSON.stringify({ markers: mine }) }), 'stream');
  }
}

/** Everything a viewer shows, or, with `sinceTick` (a cursor of this run), only what it missed. */
export function snapshotEvent(history: CycleHistory, anomalies: AnomalyLog, sub: Subscription, cursor: string, sinceTick: number | undefined): string {
  const chunks: PlcChunk[] = [];
  for (const plc of history.plcs()) {
    if (!wantsPlc(sub, plc)) continue;
    const chunk = sinceTick === undefined ? history.snapshot(plc, sub.series, sub.points) : history.since(plc, sinceTick, sub.series, sub.points);
    if (chunk) chunks.push(chunk);
  }
  const markers = anomalies.of((plc) => wantsPlc(sub, plc));
  return formatSseEvent({ event: 'snapshot', id: cursor, data: JSON.stringify({ cursor, resumed: sinceTick !== undefined, plcs: chunks, anomalies: markers }) });
}
