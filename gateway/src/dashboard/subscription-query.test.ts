import assert from 'node:assert/strict';
import { parseSubscription } from './subscription-query.js';

describe('dashboard: /dashboard/events parameters', () => {
  it('defaults to every PLC, every series, the most points, with presence and health', () => {
    const r = parseSubscription({}, undefined, 300);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { plcs: 'all', series: ['s1', 's2', 's3', 's4', 's5', 'dev'], points: 300, meta: true, since: undefined });
  });

  it('reads a selection, and the cursor from since or Last-Event-ID', () => {
    const r = parseSubscription({ plcs: '3,7', series: 'dev,s2', points: '60', meta: '0' }, 'ab.1:9', 300);
    assert.ok(r.ok);
    assert.deepEqual([[...(r.value.plcs as Set<number>)], r.value.series, r.value.points, r.value.meta, r.value.since], [[3, 7], ['s2', 'dev'], 60, false, 'ab.1:9']);
  });

  it('refuses a bad value with BAD_REQUEST naming the parameter', () => {
    for (const [query, field] of [[{ plcs: '3,x' }, 'plcs'], [{ plcs: '0' }, 'plcs'], [{ series: 's9' }, 'series'], [{ points: '301' }, 'points'], [{ meta: 'yes' }, 'meta']] as const) {
      const r = parseSubscription(query, undefined, 300);
      assert.ok(!r.ok && r.error.code === 'BAD_REQUEST' && r.error.at === field && r.error.message.startsWith(`${field}:`), field);
    }
  });
});
