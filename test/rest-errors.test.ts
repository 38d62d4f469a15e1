import assert from 'node:assert/strict';
import { createDatabase, createTestDatabase, signJwtHs256, type TestDatabase } from '@typedcluster/core';
import { startRestGateway, type RestGateway } from './support/rest-gateway.js';

/**
 * Bad input to the REST endpoint gets PostgREST's status and error shape
 * {code, details, hint, message}, never a silently different result
 * (docs/rest-api.md §Errors).
 */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, unknown>;
}

describe('REST API errors @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let gw: RestGateway;
  const nowS = () => Math.floor(Date.now() / 1000);

  const call = async (url: string, opts: { method?: 'GET' | 'PATCH' | 'POST'; headers?: Record<string, string>; payload?: string } = {}): Promise<Answer> => {
    const res = await gw.app.inject({ method: opts.method ?? 'GET', url: `/api/${url}`, headers: opts.headers ?? {}, ...(opts.payload === undefined ? {} : { payload: opts.payload }) });
    return { status: res.statusCode, body: res.payload ? (JSON.parse(res.payload) as Record<string, unknown>) : {}, headers: res.headers };
  };
  const expectError = async (url: string, status: number, code: string, opts: Parameters<typeof call>[1] = {}): Promise<Answer> => {
    const a = await call(url, opts);
    assert.equal(a.status, status, `${url}: ${JSON.stringify(a.body)}`);
    assert.deepEqual(Object.keys(a.body).sort(), ['code', 'details', 'hint', 'message'], url);
    assert.equal(a.body['code'], code, `${url}: ${JSON.stringify(a.body)}`);
    assert.equal(typeof a.body['message'], 'string');
    return a;
  };

  before(async () => {
    t = await createTestDatabase('rest_errors');
    await t.db.query("INSERT INTO devices (id, name, identity_public_key) VALUES (1, 'plc-1', $1)", [Buffer.alloc(32, 1)]);
    await t.db.query("INSERT INTO readings (device_id, seq, ts, temperature) VALUES (1, 1, '2025-01-01T00:00:00Z', 20), (1, 2, '2025-01-01T00:00:01Z', 21)");
    gw = await startRestGateway(t.db);
  });
  after(async () => {
    await gw?.close();
    await t?.drop();
  });

  it('refuses each unsupported PostgREST feature with 400 PGRST100', async () => {
    for (const url of [
      'readings?select=*,devices(*)', // embedding
      'readings?select=ts::text', // cast
      'readings?select=t:temperature', // alias
      'readings?select=count()', // aggregate
      'readings?select=temperature.avg()',
      'anomaly_reports?select=report->k', // JSON path
      'readings?select=',
      'readings?or=(seq.eq.1,seq.eq.2)',
      'readings?and=(seq.eq.1)',
      'readings?seq=not.eq.1',
      'readings?seq=like.1*',
      'readings?seq=ilike.1*',
      'readings?seq=fts.x',
      'readings?seq=cs.{1}',
      'readings?seq=eq(any).{1,2}',
      'readings?seq=1', // no operator
      'readings?seq=between.1.2', // unknown operator
      'readings?seq=in.1,2', // list without parentheses
      'readings?seq=in.("a)',
      'readings?temperature=is.maybe',
      'readings?limit=-1',
      'readings?offset=x',
      'readings?order=seq.up',
      'readings?order=seq.desc.asc',
      'readings?devices.name=eq.x', // embedded filter
      'readings?columns=seq',
    ]) {
      await expectError(url, 400, 'PGRST100');
    }
  });

  it('names an unknown column with 400 42703, in select, filters and order', async () => {
    const a = await expectError('readings?select=seq,nope', 400, '42703');
    assert.match(String(a.body['message']), /readings\.nope/);
    await expectError('readings?nope=eq.1', 400, '42703');
    await expectError('readings?order=nope.desc', 400, '42703');
    // Hidden columns of the tables behind the views are unknown too.
    await expectError('devices?select=identity_public_key', 400, '42703');
    await expectError('devices?select=mqtt_password_hash', 400, '42703');
  });

  it('answers 404 PGRST205 for an unknown view, and for a table outside the api schema', async () => {
    await expectError('nope', 404, 'PGRST205');
    await expectError('device_sessions', 404, 'PGRST205');
  });

  it('passes a value PostgreSQL cannot read as its own 400 error (22P02), not a wrong result', async () => {
    await expectError('readings?seq=eq.abc', 400, '22P02');
    await expectError('readings?ts=gte.yesterday-ish', 400, '22007');
  });

  it('refuses a bad JWT with 401 PGRST301 and an expired one with 401 PGRST303', async () => {
    const bad = await expectError('readings', 401, 'PGRST301', { headers: { authorization: 'Bearer not.a.jwt' } });
    assert.match(String(bad.headers['www-authenticate']), /invalid_token/);
    const forged = signJwtHs256({ role: 'operator' }, 'another-secret-of-more-than-32-characters!');
    await expectError('readings', 401, 'PGRST301', { headers: { authorization: `Bearer ${forged}` } });
    await expectError('readings', 401, 'PGRST301', { headers: { authorization: 'Bearer ' } });
    const expired = gw.token({ role: 'operator', sub: 'alice', exp: nowS() - 3600 });
    await expectError('readings', 401, 'PGRST303', { headers: { authorization: `Bearer ${expired}` } });
    // A role the authenticator cannot switch to: PostgreSQL's refusal, 403.
    await expectError('readings', 403, '42501', { headers: { authorization: `Bearer ${gw.token({ role: 'postgres' })}` } });
    // A token without a role claim is the anonymous role.
    const anon = await call('readings?select=seq', { headers: { authorization: `Bearer ${gw.token({ sub: 'x' })}` } });
    assert.equal(anon.status, 200);
  });

  it('refuses media types and schemas outside the subset with 406', async () => {
    await expectError('readings', 406, 'PGRST107', { headers: { accept: 'text/csv' } });
    await expectError('readings', 406, 'PGRST107', { headers: { accept: 'application/vnd.pgrst.array+json;nulls=stripped' } });
    await expectError('readings', 406, 'PGRST106', { headers: { 'accept-profile': 'public' } });
  });

  it('answers 416 PGRST103 for an offset beyond the counted rows and for a malformed Range', async () => {
    await expectError('readings?offset=5', 416, 'PGRST103', { headers: { prefer: 'count=exact' } });
    await expectError('readings', 416, 'PGRST103', { headers: { range: '5-2' } });
    const ranged = await gw.app.inject({ url: '/api/readings?select=seq&order=seq', headers: { range: '1-', prefer: 'count=exact' } });
    assert.equal(ranged.headers['content-range'], '1-1/2');
    assert.deepEqual(JSON.parse(ranged.payload), [{ seq: 2 }]);
  });

  it('refuses a malformed PATCH body (PGRST102), an unknown body column (PGRST204) and paging on PATCH (PGRST100)', async () => {
    const headers = { authorization: `Bearer ${gw.token({ role: 'operator', sub: 'alice' })}`, 'content-type': 'application/json' };
    await expectError('anomaly_reports?id=eq.1', 400, 'PGRST102', { method: 'PATCH', headers, payload: '{not json' });
    await expectError('anomaly_reports?id=eq.1', 400, 'PGRST102', { method: 'PATCH', headers, payload: '[{"acknowledged_at":"now"}]' });
    await expectError('anomaly_reports?id=eq.1', 400, 'PGRST204', { method: 'PATCH', headers, payload: '{"nope":1}' });
    await expectError('anomaly_reports?id=eq.1&limit=1', 400, 'PGRST100', { method: 'PATCH', headers, payload: '{"acknowledged_at":"now"}' });
  });

  it('counts refusals by code in /metrics', async () => {
    await call('readings?seq=like.1');
    const metrics = (await gw.app.inject({ url: '/metrics' })).payload;
    assert.match(metrics, /typedcluster_rest_errors_total\{code="PGRST100"\} [1-9]/);
    assert.match(metrics, /typedcluster_rest_requests_total\{view="readings",method="GET",status="400"\} [1-9]/);
  });

  it('answers 503 with a PostgREST-shaped error when the database cannot be reached', async () => {
    const down = createDatabase('postgres://nobody@127.0.0.1:1/none', { connectionTimeoutMs: 2_000 });
    const other = await startRestGateway(down);
    try {
      const res = await other.app.inject({ url: '/api/readings' });
      assert.equal(res.statusCode, 503);
      assert.equal((JSON.parse(res.payload) as { code: string }).code, '08000');
    } finally {
      await other.close();
      await down.close();
    }
  });
});
