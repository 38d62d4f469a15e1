import assert from 'node:assert/strict';
import { createLogger, TYPICAL_MODEL } from '@typedcluster/core';
import { readDashboardConfig } from './dashboard-config.js';
import { DashboardHub } from './dashboard-hub.js';
import type { Subscription } from './subscription.js';
import { createMemoryDashboardMetrics } from './dashboard-metrics.js';
import type { DashboardQueries, PolledRow } from './dashboard-queries.js';
import type { AnomalyMarker, PlcChunk } from './dashboard-types.js';
import { FakeSink, manualClock } from './testing-fakes.js';

/** An in-memory table behind the DashboardQueries contract, counting the queries. */
class FakeTables implements DashboardQueries {
  rows: PolledRow[] = [];
  markers: AnomalyMarker[] = [];
  calls = { seed: 0, rowsSince: 0, anomalies: 0, presence: 0 };
  nowUs = 1_000_000_000n;
  failing = false;
  insertCycle(plc: number, cycle: number, storedUs = this.nowUs): void {
    for (let p = 1; p <= 5; p++) this.rows.push({ plc, seq: String(cycle), cycle, phase: p, t: (cycle * 5 + p) * 6000, s: [p, p, p, p, p], storedUs: storedUs.toString() });
  }
  async seed(perPlc: number) {
    this.calls.seed++;
    if (this.failing) throw new Error('connection refused');
    const byPlc = new Map<number, PolledRow[]>();
    for (const r of this.rows) byPlc.set(r.plc, [...(byPlc.get(r.plc) ?? []), r]);
    return { rows: [...byPlc.values()].flatMap((l) => l.slice(-perPlc)), nowUs: this.nowUs.toString() };
  }
  async rowsSince(afterUs: string, limit: number) {
    this.calls.rowsSince++;
    if (this.failing) throw new Error('connection refused');
    return this.rows.filter((r) => BigInt(r.storedUs) > BigInt(afterUs)).slice(0, limit);
  }
  async anomalies(afterId: string | undefined, limit: number) {
    this.calls.anomalies++;
    return afterId === undefined ? this.markers.slice(-limit) : this.markers.filter((m) => BigInt(m.id) > BigInt(afterId)).slice(0, limit);
  }
  async presence() {
    this.calls.presence++;
    return { devices: [{ id: 1, name: 'press-1', revoked: false, lastSeen: 5 }], nodes: [] };
  }
}

const marker = (id: number, plc: number): AnomalyMarker => ({ id: String(id), plc, ts: 36_000, cycle: 1, phase: 2, detector: 'phase-range', score: 3, confidence: 0.9, sensors: ['s2'], acknowledged: false });
const sub = (over: Partial<Subscription> = {}): Subscription => ({ plcs: 'all', series: ['s1', 'dev'], points: 300, meta: true, since: undefined, ...over });
type Rows = { cursor: string; plcs: PlcChunk[] };

describe('dashboard: the hub (one shared poller)', () => {
  let tables: FakeTables;
  let clock: ReturnType<typeof manualClock>;
  let hub: DashboardHub;
  beforeEach(() => {
    tables = new FakeTables();
    clock = manualClock();
    hub = new DashboardHub({
      config: readDashboardConfig({}),
      queries: tables,
      model: TYPICAL_MODEL,
      health: async () => ({ at: 0, intervalS: 0, invocations: [], rejections: [], deadLetters: [], functions: [], mqtt: { connected: null, inflight: null, messagesPerSec: 0 }, broker: { clients: null, refusedPerSec: 0 } }),
      clock,
      log: createLogger('test', { level: 'error' }),
      metrics: createMemoryDashboardMetrics(),
      epoch: 'e1',
    });
  });
  afterEach(() => hub.close());

  it('greets a viewer with hello, a snapshot of the kept rows, presence and health', async () => {
    tables.insertCycle(1, 1);
    tables.insertCycle(2, 1);
    const sink = new FakeSink();
    await hub.subscribe(sub(), sink);
    const events = sink.events();
    assert.deepEqual(events.map((e) => e.event), ['hello', 'snapshot', 'presence', 'health']);
    assert.deepEqual((events[0]!.data as { model: unknown }).model, TYPICAL_MODEL);
    const snap = events[1]!.data as { plcs: PlcChunk[] };
    assert.deepEqual(snap.plcs.map((c) => [c.plc, c.replace, c.series.s1?.t.length]), [[1, true, 5], [2, true, 5]]);
    assert.equal(clock.pending, 1, 'the next poll is scheduled');
  });

  it('polls once per tick for all viewers, and sends each only the PLCs it picked', async () => {
    const all = new FakeSink();
    const two = new FakeSink();
    await hub.subscribe(sub(), all);
    await hub.subscribe(sub({ plcs: new Set([2]), series: ['s3'], meta: false }), two);
    const before = tables.calls.rowsSince;
    tables.insertCycle(1, 1, tables.nowUs + 1n);
    tables.insertCycle(2, 1, tables.nowUs + 1n);
    await hub.pollOnce();
    assert.equal(tables.calls.rowsSince - before, 1, 'one query whatever the number of viewers');
    const rowsAll = all.events().filter((e) => e.event === 'rows').map((e) => e.data as Rows);
    const rowsTwo = two.events().filter((e) => e.event === 'rows').map((e) => e.data as Rows);
    assert.deepEqual(rowsAll[0]!.plcs.map((c) => c.plc), [1, 2]);
    assert.deepEqual(rowsTwo[0]!.plcs.map((c) => [c.plc, Object.keys(c.series)]), [[2, ['s3']]]);
    assert.equal(rowsTwo[0]!.plcs[0]!.replace, false);
    assert.deepEqual(rowsTwo[0]!.plcs[0]!.series.s3!.lo, TYPICAL_MODEL[2]!.map((r) => r[0]));
    assert.ok(!two.events().some((e) => e.event === 'presence'), 'meta=0: no presence');
  });

  it('re-reads the overlap window without sending a row twice, and picks up a late commit inside it', async () => {
    const sink = new FakeSink();
    await hub.subscribe(sub(), sink);
    tables.insertCycle(1, 1, tables.nowUs + 10n);
    await hub.pollOnce();
    await hub.pollOnce();
    tables.insertCycle(1, 2, tables.nowUs + 5n); // committed later, stamped earlier
    await hub.pollOnce();
    const sent = sink.events().filter((e) => e.event === 'rows').flatMap((e) => (e.data as Rows).plcs.flatMap((c) => c.series.s1!.t));
    assert.deepEqual(sent, [...tables.rows.map((r) => r.t)], 'each row exactly once');
  });

  it('pushes new anomaly reports once, to the viewers of their PLC', async () => {
    const one = new FakeSink();
    const two = new FakeSink();
    await hub.subscribe(sub({ plcs: new Set([1]) }), one);
    await hub.subscribe(sub({ plcs: new Set([2]) }), two);
    tables.markers.push(marker(7, 1));
    await hub.pollOnce();
    await hub.pollOnce();
    const got = one.events().filter((e) => e.event === 'anomalies').flatMap((e) => (e.data as { markers: AnomalyMarker[] }).markers);
    assert.deepEqual(got.map((m) => m.id), ['7']);
    assert.ok(!two.events().some((e) => e.event === 'anomalies'));
    // a new viewer finds it in its snapshot
    const late = new FakeSink();
    await hub.subscribe(sub(), late);
    assert.deepEqual((late.events().find((e) => e.event === 'snapshot')!.data as { anomalies: AnomalyMarker[] }).anomalies.map((m) => m.id), ['7']);
  });

  it('resumes a reconnecting viewer from its cursor with only what it missed', async () => {
    const first = new FakeSink();
    const unsubscribe = await hub.subscribe(sub(), first);
    const keepAlive = await hub.subscribe(sub(), new FakeSink()); // the poller keeps running
    tables.insertCycle(1, 1, tables.nowUs + 1n);
    await hub.pollOnce();
    const cursor = first.events().filter((e) => e.event === 'rows').at(-1)!.id!;
    unsubscribe();
    tables.insertCycle(1, 2, tables.nowUs + 2n);
    await hub.pollOnce();
    const again = new FakeSink();
    await hub.subscribe(sub({ since: cursor }), again);
    const snap = again.events().find((e) => e.event === 'snapshot')!.data as { resumed: boolean; plcs: PlcChunk[] };
    assert.equal(snap.resumed, true);
    assert.deepEqual(snap.plcs.map((c) => [c.replace, c.lastCycle, c.series.s1!.t.length]), [[false, 2, 5]]);
    // a cursor of another run gets everything
    const other = new FakeSink();
    await hub.subscribe(sub({ since: 'zz.1:3' }), other);
    assert.equal((other.events().find((e) => e.event === 'snapshot')!.data as { resumed: boolean }).resumed, false);
    keepAlive();
  });

  it('reports a database failure to viewers and recovers', async () => {
    const sink = new FakeSink();
    await hub.subscribe(sub(), sink);
    tables.failing = true;
    await hub.pollOnce();
    tables.failing = false;
    await hub.pollOnce();
    const statuses = sink.events().filter((e) => e.event === 'status').map((e) => e.data as { ok: boolean; code?: string });
    assert.deepEqual(statuses, [{ ok: false, code: 'DATABASE_ERROR', message: 'the dashboard cannot read the database: connection refused' }, { ok: true }]);
  });

  it('stops polling when the last viewer leaves', async () => {
    const a = await hub.subscribe(sub(), new FakeSink());
    const b = await hub.subscribe(sub(), new FakeSink());
    assert.equal(hub.viewerCount, 2);
    a();
    assert.equal(clock.pending, 1);
    b();
    assert.equal(hub.viewerCount, 0);
    assert.equal(clock.pending, 0, 'no poll scheduled');
  });
});
