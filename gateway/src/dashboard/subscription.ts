import type { SeriesName } from './dashboard-types.js';

/** What one viewer asked for (query string of /dashboard/events, parsed by subscription-query.ts). */
export interface Subscription {
  readonly plcs: 'all' | ReadonlySet<number>;
  readonly series: readonly SeriesName[];
  /** Points per series in snapshots, at most config.points. */
  readonly points: number;
  /** Also presence and health. */
  readonly meta: boolean;
  /** The cursor (`epoch:tick`) of the last event it saw, to resume after a reconnect. */
  readonly since: string | undefined;
}

export const wantsPlc = (sub: Subscription, plc: number): boolean => sub.plcs === 'all' || sub.plcs.has(plc);

/** Viewers with the same key get byte-identical row events: framed once per tick. */
export const selectionKey = (sub: Subscription): string =>
  `${sub.plcs === 'all' ? 'all' : [...sub.plcs].sort((a, b) => a - b).join(',')}|${sub.series.join(',')}|${sub.points}`;
