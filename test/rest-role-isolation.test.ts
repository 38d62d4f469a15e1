import assert from 'node:assert/strict';
import { createDatabase, createTestDatabase, type Database, type TestDatabase } from '@typedcluster/core';
import { startRestGateway, type RestGateway } from './support/rest-gateway.js';

/**
 * The REST endpoint switches role with transaction-local settings sent in
 * one simple-protocol query (gateway/src/rest/request-transaction.ts). On a
 * pool of ONE connection every request reuses the same session: a role or
 * claims left behind by one request would show in the next.
 */
describe('REST role isolation on a pooled connection @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let db: Database;
  let gw: RestGateway;
  const exp = () => Math.floor(Date.now() / 1000) + 3600;
  const get = async (url: string, token?: string) => {
    const res = await gw.app.inject({ method: 'GET', url: `/api/${url}`, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.statusCode, rows: JSON.parse(res.payload) as Array<Record<string, unknown>> };
  };
  const session = async () =>
    (await db.query<{ pid: number; same: boolean; claims: string | null; role: string | null }>(
      "SELECT pg_backend_pid() AS pid, current_user = session_user AS same, nullif(current_setting('request.jwt.claims', true), '') AS claims, nullif(current_setting('role'), 'none') AS role",
    )).rows[0];

  before(async () => {
    t = await createTestDatabase('rest_role_isolation');
    await t.db.query(`INSERT INTO devices (id, name, identity_public_key, revoked_at) VALUES (1, 'plc-1', $1, NULL), (2, 'old-plc', $1, now())`, [Buffer.alloc(32, 1)]);
    await t.db.query("INSERT INTO anomaly_reports (plc_id, cycle_no, ts, detector, is_anomaly, score, threshold, report) VALUES (1, 7, '2025-01-01T00:00:00Z', 'zscore', true, 5.5, 3, '{}')");
    db = createDatabase(t.url, { max: 1 });
    gw = await startRestGateway(db);
  });
  after(async () => {
    await gw?.close();
    await db?.close();
    await t?.drop();
  });

  it('an operator request leaves no role or claims for the anonymous request after it', async () => {
    const operator = gw.token({ role: 'operator', sub: 'alice', exp: exp() });
    assert.deepEqual((await get('devices?select=id&order=id', operator)).rows.map((r) => r['id']), [1, 2]);
    assert.deepEqual((await get('devices?select=id&order=id')).rows.map((r) => r['id']), [1], 'web_anon sees no revoked device');
    const s = await session();
    assert.equal(s?.same, true, 'the pooled session is back to its login role');
    assert.equal(s?.claims, null);
    assert.equal(s?.role, null);
  });

  it('a refused request rolls back, keeps the connection and leaks nothing', async () => {
    const before = await session();
    const operator = gw.token({ role: 'operator', sub: 'alice', exp: exp() });
    assert.equal((await get('readings?seq=eq.abc', operator)).status, 400);
    const after = await session();
    assert.equal(after?.pid, before?.pid, 'a clean ROLLBACK keeps the pooled connection');
    assert.equal(after?.same, true);
    assert.equal(after?.claims, null);
    assert.deepEqual((await get('devices?select=id&order=id')).rows.map((r) => r['id']), [1]);
  });

  it('claims with quotes and backslashes arrive intact (escaped literals)', async () => {
    const sub = `o'brien\\"; SELECT 1; --`;
    const token = gw.token({ role: 'operator', sub, exp: exp() });
    const res = await gw.app.inject({
      method: 'PATCH',
      url: '/api/anomaly_reports?id=eq.1&select=acknowledged_by',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'return=representation' },
      payload: JSON.stringify({ acknowledged_at: '2025-01-02T00:00:00Z' }),
    });
    assert.equal(res.statusCode, 200, res.payload);
    assert.deepEqual(JSON.parse(res.payload), [{ acknowledged_by: sub }]);
    const s = await session();
    assert.equal(s?.same, true);
    assert.equal(s?.claims, null);
  });
});
