import assert from 'node:assert/strict';
import { PostgrestClient } from '@supabase/postgrest-js';
import { createTestDatabase, type TestDatabase } from '@typedcluster/core';
import { startRestGateway, type RestGateway } from './support/rest-gateway.js';

/**
 * The REST subset (docs/rest-api.md) through @supabase/postgrest-js, as our
 * clients use it, against the real gateway and the real PostgreSQL with
 * sql/005_api.sql: reads, filters, order, paging, counts, roles and RLS.
 */
const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

async function seed(db: TestDatabase['db']): Promise<void> {
  const key = Buffer.alloc(32, 1);
  await db.query(`INSERT INTO devices (id, name, identity_public_key, revoked_at) VALUES
    (1, 'plc-1', $1, NULL), (2, 'plc-2', $1, NULL), (3, 'old-plc', $1, now())`, [key]);
  // Device 1: 10 readings, one with a NULL temperature; device 2: 3 readings.
  for (let i = 0; i < 10; i++) {
    await db.query('INSERT INTO frames (device_id, seq, type, key_id) VALUES (1, $1, 2, 1)', [i]);
    await db.query('INSERT INTO readings (device_id, seq, ts, temperature, pressure, humidity) VALUES (1, $1, $2, $3, 1.5, 40)', [i, iso(T0 + i * 1000), i === 4 ? null : 20 + i]);
  }
  for (let i = 0; i < 3; i++) {
    await db.query('INSERT INTO frames (device_id, seq, type, key_id) VALUES (2, $1, 2, 1)', [i]);
    await db.query('INSERT INTO readings (device_id, seq, ts, temperature, pressure, humidity) VALUES (2, $1, $2, 30, 1, 50)', [i, iso(T0 + i * 1000)]);
  }
  await db.query(`INSERT INTO anomaly_reports (plc_id, cycle_no, ts, detector, is_anomaly, score, threshold, affected_sensors, report, acknowledged_at, acknowledged_by) VALUES
    (1, 7, $1, 'zscore', true, 5.5, 3, '{s2}', '{"k":1}', NULL, NULL),
    (2, 8, $1, 'zscore', true, 4.0, 3, '{s1,s3}', '{"k":2}', now(), 'bob')`, [iso(T0)]);
}

describe('REST API through postgrest-js @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let gw: RestGateway;
  let anon: PostgrestClient;
  let operator: PostgrestClient;

  before(async () => {
    t = await createTestDatabase('rest_api');
    await seed(t.db);
    gw = await startRestGateway(t.db);
    anon = new PostgrestClient(gw.apiUrl);
    operator = new PostgrestClient(gw.apiUrl, { headers: { Authorization: `Bearer ${gw.token({ role: 'operator', sub: 'alice', exp: Math.floor(Date.now() / 1000) + 3600 })}` } });
  });
  after(async () => {
    await gw?.close();
    await t?.drop();
  });

  it('selects columns, filters with eq and gte/lt, orders and limits', async () => {
    const { data, error, status } = await anon
      .from('readings')
      .select('seq,ts,temperature')
      .eq('device_id', 1)
      .gte('ts', iso(T0 + 2000))
      .lt('ts', iso(T0 + 6000))
      .order('ts', { ascending: false })
      .limit(3);
    assert.equal(error, null);
    assert.equal(status, 200);
    assert.deepEqual(data, [
      { seq: 5, ts: '2025-01-01T00:00:05+00:00', temperature: 25 },
      { seq: 4, ts: '2025-01-01T00:00:04+00:00', temperature: null },
      { seq: 3, ts: '2025-01-01T00:00:03+00:00', temperature: 23 },
    ]);
  });

  it('supports neq, gt, lte, in and is, and nullsfirst/nullslast ordering', async () => {
    const inList = await anon.from('readings').select('device_id,seq').in('seq', [0, 2]).neq('device_id', 2).order('seq');
    assert.deepEqual(inList.data, [{ device_id: 1, seq: 0 }, { device_id: 1, seq: 2 }]);
    const isNull = await anon.from('readings').select('seq').is('temperature', null);
    assert.deepEqual(isNull.data, [{ seq: 4 }]);
    const range = await anon.from('readings').select('seq').eq('device_id', 1).gt('seq', 7).lte('seq', 9).order('seq', { ascending: false });
    assert.deepEqual(range.data, [{ seq: 9 }, { seq: 8 }]);
    const nullsFirst = await anon.from('readings').select('seq').eq('device_id', 1).order('temperature', { ascending: true, nullsFirst: true }).limit(1);
    assert.deepEqual(nullsFirst.data, [{ seq: 4 }]);
    const nullsLast = await anon.from('readings').select('seq').eq('device_id', 1).order('temperature', { ascending: false, nullsFirst: false }).limit(1);
    assert.deepEqual(nullsLast.data, [{ seq: 9 }]);
  });

  it('pages with range (limit/offset) and counts exactly with Content-Range', async () => {
    const page = await anon.from('readings').select('seq', { count: 'exact' }).eq('device_id', 1).order('seq').range(2, 4);
    assert.equal(page.error, null);
    assert.equal(page.count, 10);
    assert.equal(page.status, 206);
    assert.deepEqual(page.data, [{ seq: 2 }, { seq: 3 }, { seq: 4 }]);
    const res = await fetch(`${gw.apiUrl}/readings?select=seq&device_id=eq.1&order=seq&limit=5&offset=5`, { headers: { Prefer: 'count=exact' } });
    assert.equal(res.headers.get('content-range'), '5-9/10');
    const all = await fetch(`${gw.apiUrl}/readings?device_id=eq.2`);
    assert.equal(all.status, 200);
    assert.equal(all.headers.get('content-range'), '0-2/*');
    const head = await anon.from('readings').select('*', { count: 'exact', head: true }).eq('device_id', 2);
    assert.equal(head.count, 3);
    assert.equal(head.data, null);
  });

  it('answers a single object for .single() and 406 PGRST116 when not exactly one row', async () => {
    const one = await anon.from('readings').select('seq,humidity').eq('device_id', 2).eq('seq', 1).single();
    assert.deepEqual(one.data, { seq: 1, humidity: 50 });
    const many = await anon.from('readings').select('seq').eq('device_id', 2).single();
    assert.equal(many.status, 406);
    assert.equal(many.error?.code, 'PGRST116');
  });

  it('serves every view of the contract with its documented columns', async () => {
    const expected: Record<string, string[]> = {
      readings: ['device_id', 'seq', 'ts', 'temperature', 'pressure', 'humidity', 'stored_at'],
      cycle_phases: ['device_id', 'seq', 'cycle_no', 'cycle_start', 'phase', 'phase_start', 's1', 's2', 's3', 's4', 's5', 'stored_at'],
      devices: ['id', 'name', 'created_at', 'revoked_at', 'last_seen'],
      nodes: ['id', 'name', 'role', 'address', 'status', 'last_seen', 'traffic', 'congestion', 'updated_at'],
    };
    await t.db.query(`INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start) VALUES (1, 100, $1, 1, 1, $1)`, [iso(T0)]);
    await t.db.query(`INSERT INTO nodes (id, name, role) VALUES ('pi', 'Raspberry Pi', 'master')`);
    for (const [view, columns] of Object.entries(expected)) {
      const { data, error } = await operator.from(view).select('*').limit(1);
      assert.equal(error, null, view);
      assert.deepEqual(Object.keys((data as Record<string, unknown>[])[0] ?? {}), columns, view);
    }
    const devices = await operator.from('devices').select('id,last_seen').eq('id', 1).single();
    assert.ok(typeof (devices.data as { last_seen: unknown }).last_seen === 'string', 'last_seen comes from frames');
  });

  it('RLS: the anonymous role sees no revoked device and no acknowledged_by; an operator sees both', async () => {
    const anonDevices = await anon.from('devices').select('id').order('id');
    assert.deepEqual(anonDevices.data, [{ id: 1 }, { id: 2 }]);
    const opDevices = await operator.from('devices').select('id').order('id');
    assert.deepEqual(opDevices.data, [{ id: 1 }, { id: 2 }, { id: 3 }]);
    const anonAck = await anon.from('anomaly_reports').select('plc_id,acknowledged_by').eq('plc_id', 2).single();
    assert.deepEqual(anonAck.data, { plc_id: 2, acknowledged_by: null });
    const opAck = await operator.from('anomaly_reports').select('plc_id,acknowledged_by').eq('plc_id', 2).single();
    assert.deepEqual(opAck.data, { plc_id: 2, acknowledged_by: 'bob' });
  });

  it('an operator acknowledges a report: acknowledged_by is set from the JWT sub', async () => {
    const open = await operator.from('anomaly_reports').select('id').eq('plc_id', 1).single();
    const id = (open.data as { id: number }).id;
    const { data, error, status } = await operator.from('anomaly_reports').update({ acknowledged_at: '2025-01-02T10:00:00Z' }).eq('id', id).select('id,acknowledged_at,acknowledged_by');
    assert.equal(error, null);
    assert.equal(status, 200);
    assert.deepEqual(data, [{ id, acknowledged_at: '2025-01-02T10:00:00+00:00', acknowledged_by: 'alice' }]);
    const stored = await t.db.query<{ acknowledged_by: string }>('SELECT acknowledged_by FROM anomaly_reports WHERE id = $1', [id]);
    assert.equal(stored.rows[0]?.acknowledged_by, 'alice');
    const minimal = await operator.from('anomaly_reports').update({ acknowledged_at: '2025-01-02T11:00:00Z' }).eq('id', id);
    assert.equal(minimal.status, 204);
    assert.equal(minimal.error, null);
  });

  it('refuses an anonymous write with 401 42501 and changes nothing', async () => {
    const { error, status } = await anon.from('anomaly_reports').update({ acknowledged_at: '2025-01-02T10:00:00Z' }).eq('plc_id', 2);
    assert.equal(status, 401);
    assert.equal(error?.code, '42501');
    const insert = await anon.from('readings').insert({ device_id: 1, seq: 99, ts: iso(T0) });
    assert.equal(insert.status, 401);
    assert.equal(insert.error?.code, '42501');
    const del = await anon.from('devices').delete().eq('id', 1);
    assert.equal(del.status, 401);
    const rows = await t.db.query<{ n: string }>("SELECT count(*) AS n FROM anomaly_reports WHERE acknowledged_by = 'bob'");
    assert.equal(rows.rows[0]?.n, '1');
  });

  it('refuses an operator write outside its grants with 403 42501', async () => {
    const other = await operator.from('anomaly_reports').update({ score: 0 }).eq('plc_id', 1);
    assert.equal(other.status, 403);
    assert.equal(other.error?.code, '42501');
    const readings = await operator.from('readings').update({ temperature: 0 }).eq('device_id', 1);
    assert.equal(readings.status, 403);
    assert.equal(readings.error?.code, '42501');
  });

  it('RLS: an acknowledgement by a token without sub is refused (403) and rolled back', async () => {
    const nobody = new PostgrestClient(gw.apiUrl, { headers: { Authorization: `Bearer ${gw.token({ role: 'operator' })}` } });
    const { status, error } = await nobody.from('anomaly_reports').update({ acknowledged_at: '2025-01-03T00:00:00Z' }).eq('plc_id', 2);
    assert.equal(status, 403);
    assert.equal(error?.code, '42501');
    const r = await t.db.query<{ acknowledged_by: string }>('SELECT acknowledged_by FROM anomaly_reports WHERE plc_id = 2');
    assert.equal(r.rows[0]?.acknowledged_by, 'bob');
  });
});
