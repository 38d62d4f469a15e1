import { fail, ok, type Result } from '@typedcluster/core';
import type { Subscription } from './subscription.js';
import { SERIES_NAMES, type SeriesName } from './dashboard-types.js';

type Query = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Reads a viewer's selection from /dashboard/events?plcs=&series=&points=&meta=&since=
 * (docs/dashboard.md). A bad value is BAD_REQUEST naming the parameter.
 */
export function parseSubscription(query: Query, lastEventId: string | undefined, maxPoints: number): Result<Subscription> {
  const one = (name: string): string | undefined => {
    const v = query[name];
    return Array.isArray(v) ? v[v.length - 1] : v;
  };
  const bad = (name: string, why: string) => fail<Subscription>('BAD_REQUEST', `${name}: ${why}`, name);

  const plcsRaw = one('plcs')?.trim() ?? 'all';
  let plcs: Subscription['plcs'] = 'all';
  if (plcsRaw !== 'all' && plcsRaw !== '') {
    const ids = plcsRaw.split(',').map((s) => s.trim());
    if (ids.length > 1000 || !ids.every((s) => /^\d{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 32767)) {
      return bad('plcs', `"${plcsRaw.slice(0, 50)}" is not "all" or a comma-separated list of device ids 1..32767`);
    }
    plcs = new Set(ids.map(Number));
  }

  const seriesRaw = one('series')?.trim();
  let series: SeriesName[] = [...SERIES_NAMES];
  if (seriesRaw) {
    const names = [...new Set(seriesRaw.split(',').map((s) => s.trim()))];
    const unknown = names.find((n) => !(SERIES_NAMES as readonly string[]).includes(n));
    if (unknown !== undefined) return bad('series', `"${unknown.slice(0, 20)}" is not one of ${SERIES_NAMES.join(', ')}`);
    series = SERIES_NAMES.filter((n) => names.includes(n));
  }

  const pointsRaw = one('points')?.trim();
  let points = maxPoints;
  if (pointsRaw) {
    const n = /^\d+$/.test(pointsRaw) ? Number(pointsRaw) : NaN;
    if (!(n >= 3 && n <= maxPoints)) return bad('points', `"${pointsRaw.slice(0, 20)}" is not a whole number in 3..${maxPoints} (DASHBOARD_POINTS)`);
    points = n;
  }

  const metaRaw = one('meta')?.trim() ?? '1';
  if (!/^(0|1|true|false)$/.test(metaRaw)) return bad('meta', `"${metaRaw.slice(0, 20)}" is not 0 or 1`);

  const since = one('since')?.trim() || lastEventId?.trim() || undefined;
  return ok({ plcs, series, points, meta: metaRaw === '1' || metaRaw === 'true', since });
}
