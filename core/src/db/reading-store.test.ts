import assert from 'node:assert/strict';
import { createDeviceRegistry } from './device-registry.js';
import { createReadingStore, type ReadingStore } from './reading-store.js';
import { cycleRecord, readingRecord } from './test-records.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

describe('reading store @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let store: ReadingStore;
  const count = async (table: string, where = 'true'): Promise<number> =>
    Number((await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)).rows[0]?.n);

  before(async () => {
    t = await createTestDatabase('reading_store');
    store = createReadingStore(t.db);
    const registry = createDeviceRegistry(t.db);
    for (const id of [1, 2]) assert.ok((await registry.addDevice({ id, name: `d${id}`, identityPublicKey: new Uint8Array(32) })).ok);
  });
  after(() => t?.drop());

  it('stores a reading with its values and a frames row', async () => {
    const r = await store.storeRecords([readingRecord(1, 10)]);
    assert.deepEqual(r, { ok: true, value: ['stored'] });
    const row = (await t.db.query('SELECT device_id, seq::text, ts, temperature, pressure, humidity FROM readings WHERE seq = 10')).rows[0];
    assert.deepEqual(row, { device_id: 1, seq: '10', ts: new Date('2026-11-21T07:40:00.125Z'), temperature: 21.5, pressure: 1013.25, humidity: 45.5 });
    const frame = (await t.db.query('SELECT type, key_id::int FROM frames WHERE device_id = 1 AND seq = 10')).rows[0];
    assert.deepEqual(frame, { type: 2, key_id: 7 });
  });

  it('stores a cycle as 5 rows, phase_start = cycle_start + (phase - 1) * 6 s', async () => {
    const r = await store.storeRecords([cycleRecord(1, 20, { cycle: 4 })]);
    assert.deepEqual(r, { ok: true, value: ['stored'] });
    const rows = (
      await t.db.query<{ phase: number; phase_start: Date; cycle_no: string; s1: number; s5: number }>(
        'SELECT phase, phase_start, cycle_no::text, s1, s5 FROM cycle_phases WHERE device_id = 1 AND seq = 20 ORDER BY phase',
      )
    ).rows;
    assert.equal(rows.length, 5);
    rows.forEach((row, p) => {
      assert.equal(row.phase, p + 1);
      assert.equal(row.phase_start.toISOString(), new Date(Date.parse('2026-11-21T07:40:00.000Z') + p * 6000).toISOString());
      assert.equal(row.cycle_no, '4');
      assert.equal(row.s1, p * 10 + 0.5);
      assert.equal(row.s5, p * 10 + 4.5);
    });
    assert.equal((await t.db.query('SELECT type FROM frames WHERE device_id = 1 AND seq = 20')).rows[0]?.['type'], 3);
  });

  it('reports records already stored by an earlier batch as duplicate and writes nothing twice', async () => {
    assert.deepEqual(await store.storeRecords([readingRecord(1, 30), cycleRecord(1, 31)]), { ok: true, value: ['stored', 'stored'] });
    const again = await store.storeRecords([cycleRecord(1, 31), readingRecord(1, 32), readingRecord(1, 30, { temperature: 99 })]);
    assert.deepEqual(again, { ok: true, value: ['duplicate', 'stored', 'duplicate'] });
    assert.equal(await count('cycle_phases', 'seq = 31'), 5);
    assert.equal(await count('readings', 'seq = 30'), 1);
    assert.equal((await t.db.query('SELECT temperature FROM readings WHERE seq = 30')).rows[0]?.['temperature'], 21.5);
  });

  it('stores a record repeated within one batch once: first stored, repeats duplicate', async () => {
    const r = await store.storeRecords([readingRecord(1, 40), cycleRecord(1, 41), readingRecord(1, '040'), cycleRecord(1, 41), readingRecord(2, 40)]);
    assert.deepEqual(r, { ok: true, value: ['stored', 'stored', 'duplicate', 'duplicate', 'stored'] });
    assert.equal(await count('readings', 'seq = 40'), 2);
    assert.equal(await count('cycle_phases', 'seq = 41'), 5);
  });

  it('stores NaN and Infinity sensor values as NULL', async () => {
    const phases = [[Number.NaN, 1, 2, 3, 4], [0, Infinity, 2, 3, 4], [0, 1, null, 3, 4], [0, 1, 2, -Infinity, 4], [0, 1, 2, 3, 4]];
    const r = await store.storeRecords([readingRecord(1, 50, { temperature: Number.NaN, pressure: Infinity, humidity: null }), cycleRecord(1, 51, { phases })]);
    assert.ok(r.ok);
    assert.deepEqual((await t.db.query('SELECT temperature, pressure, humidity FROM readings WHERE seq = 50')).rows[0], { temperature: null, pressure: null, humidity: null });
    const rows = (await t.db.query<Record<string, number | null>>('SELECT s1, s2, s3, s4, s5 FROM cycle_phases WHERE seq = 51 ORDER BY phase')).rows;
    assert.deepEqual(rows.map((x) => [x['s1'], x['s2'], x['s3'], x['s4'], x['s5']]), phases.map((p) => p.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null))));
  });

  it('stores timestamps to the exact millisecond, whatever the year', async () => {
    const dates = ['-004713-11-24T00:00:00.000Z', '0001-01-01T00:00:00.001Z', '1969-12-31T23:59:59.999Z', '2026-11-21T07:40:00.123Z', '2262-04-11T23:47:16.855Z', '9999-12-31T23:59:59.999Z'];
    const records = dates.flatMap((d, i) => [readingRecord(1, 300 + i, { ts: d }), cycleRecord(1, 400 + i, { cycleStart: d })]);
    assert.ok((await store.storeRecords(records)).ok);
    const ms = (sql: string) => t.db.query<{ ms: string }>(sql).then((r) => r.rows.map((x) => Number(x.ms)));
    const epochMs = (col: string) => `(extract(epoch FROM ${col}) * 1000)::numeric::text AS ms`;
    assert.deepEqual(await ms(`SELECT ${epochMs('ts')} FROM readings WHERE device_id = 1 AND seq BETWEEN 300 AND 399 ORDER BY seq`), dates.map((d) => Date.parse(d)));
    assert.deepEqual(await ms(`SELECT ${epochMs('cycle_start')} FROM cycle_phases WHERE device_id = 1 AND seq BETWEEN 400 AND 499 AND phase = 1 ORDER BY seq`), dates.map((d) => Date.parse(d)));
    assert.deepEqual(await ms(`SELECT ${epochMs('phase_start')} FROM cycle_phases WHERE device_id = 1 AND seq = 403 ORDER BY phase`), [0, 1, 2, 3, 4].map((p) => Date.parse(dates[3] ?? '') + p * 6000));
  });

  it('stores a batch mixing readings, cycles and duplicates: outcomes in input order, each frame with its own values', async () => {
    const maxSeq = (2n ** 63n - 1n).toString();
    const phases = (k: number) => Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => Math.fround(k + p / 10 + s / 100)));
    assert.deepEqual(await store.storeRecords([readingRecord(2, 500)]), { ok: true, value: ['stored'] });
    const batch = [
      cycleRecord(2, 502, { phases: phases(2), cycle: 0xffff_ffff }),
      readingRecord(1, 500, { temperature: -1.25 }),
      readingRecord(2, 500, { temperature: 99 }), // stored by the batch before
      cycleRecord(1, maxSeq, { phases: phases(3), keyId: 0xffff_ffff, cycle: 3 }),
      readingRecord(2, 501, { temperature: 7.5 }),
      cycleRecord(2, '0502', { phases: phases(9) }), // repeats the first record
      readingRecord(1, 500, { temperature: 98 }), // repeats the second
    ];
    assert.deepEqual(await store.storeRecords(batch), { ok: true, value: ['stored', 'stored', 'duplicate', 'stored', 'stored', 'duplicate', 'duplicate'] });
    const temps = (await t.db.query<{ d: number; seq: string; temperature: number }>('SELECT device_id AS d, seq::text, temperature FROM readings WHERE seq BETWEEN 500 AND 501 ORDER BY 1, 2')).rows;
    assert.deepEqual(temps, [{ d: 1, seq: '500', temperature: -1.25 }, { d: 2, seq: '500', temperature: 21.5 }, { d: 2, seq: '501', temperature: 7.5 }]);
    const cycle = async (d: number, seq: string) =>
      (await t.db.query<{ cycle_no: string; s: number[] }>('SELECT cycle_no::text, ARRAY[s1, s2, s3, s4, s5]::float8[] AS s FROM cycle_phases WHERE device_id = $1 AND seq = $2 ORDER BY phase', [d, seq])).rows;
    assert.deepEqual(await cycle(2, '502'), phases(2).map((s) => ({ cycle_no: '4294967295', s })));
    assert.deepEqual((await cycle(1, maxSeq)).map((r) => r.s), phases(3));
    assert.deepEqual((await t.db.query('SELECT key_id::text, type FROM frames WHERE device_id = 1 AND seq = $1', [maxSeq])).rows, [{ key_id: '4294967295', type: 3 }]);
  });

  it('rolls the whole batch back when the database refuses one record', async () => {
    // Device 99 is not registered: the statement's device check (sql/008) fails it.
    const r = await store.storeRecords([readingRecord(1, 60), cycleRecord(1, 61), readingRecord(99, 62)]);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.error.code, 'STORE_FAILED');
    assert.match(!r.ok ? r.error.message : '', /device 99 is not registered/);
    assert.equal(await count('frames', 'seq BETWEEN 60 AND 62'), 0);
    assert.equal(await count('readings', 'seq BETWEEN 60 AND 62'), 0);
    assert.equal(await count('cycle_phases', 'seq BETWEEN 60 AND 62'), 0);
    // The same records without the bad one are stored afterwards: nothing was half-recorded as duplicate.
    assert.deepEqual(await store.storeRecords([readingRecord(1, 60), cycleRecord(1, 61)]), { ok: true, value: ['stored', 'stored'] });
  });

  it('keeps the devices that frames name: delete, renumbering and truncate are refused', async () => {
    const refused = async (sql: string) => (await t.db.query(sql).then(() => undefined, (e: { code?: string }) => e.code));
    assert.equal(await refused('DELETE FROM devices WHERE id = 1'), '23001');
    assert.equal(await refused('UPDATE devices SET id = 300 WHERE id = 1'), '23001');
    assert.equal(await refused('TRUNCATE devices CASCADE'), '23001');
    assert.equal(await refused("UPDATE devices SET id = 1, name = name WHERE id = 1"), undefined);
    assert.equal(await count('devices', 'id = 1'), 1);
  });

  it('refuses a malformed record before touching the database', async () => {
    const r = await store.storeRecords([readingRecord(1, 70), readingRecord(1, 71, { ts: 'yesterday' })]);
    assert.deepEqual(r.ok ? undefined : [r.error.code, r.error.at], ['BAD_REQUEST', 'records[1]']);
    const big = await store.storeRecords([readingRecord(1, (2n ** 63n).toString())]);
    assert.equal(!big.ok && big.error.code, 'BAD_REQUEST');
    // A date JS reads but PostgreSQL cannot store (before 4714-11-24 BC) fails alone, not the batch in the database.
    const ancient = await store.storeRecords([cycleRecord(1, 70), cycleRecord(1, 71, { cycleStart: '-004713-11-23T23:59:59.999Z' })]);
    assert.deepEqual(ancient.ok ? undefined : [ancient.error.code, ancient.error.at], ['BAD_REQUEST', 'records[1]']);
    assert.equal(await count('frames', 'seq BETWEEN 70 AND 71'), 0);
  });

  it('answers an empty batch without a query', async () => {
    assert.deepEqual(await store.storeRecords([]), { ok: true, value: [] });
  });

  it('stores each frame once when overlapping batches run concurrently', async () => {
    const a = Array.from({ length: 200 }, (_, i) => cycleRecord(2, 1000 + i));
    const b = Array.from({ length: 200 }, (_, i) => cycleRecord(2, 1100 + i)).reverse();
    const [ra, rb] = await Promise.all([store.storeRecords(a), store.storeRecords(b)]);
    assert.ok(ra.ok && rb.ok);
    const stored = [...ra.value, ...rb.value].filter((o) => o === 'stored').length;
    assert.equal(stored, 300);
    assert.equal(await count('cycle_phases', 'device_id = 2 AND seq >= 1000'), 1500);
  });

  it('records a session frame in the ledger idempotently', async () => {
    assert.deepEqual(await store.recordFrame({ device: 1, seq: 80n, type: 'session', keyId: 8 }), { ok: true, value: 'stored' });
    assert.deepEqual(await store.recordFrame({ device: 1, seq: '80', type: 'session', keyId: 8 }), { ok: true, value: 'duplicate' });
    const unknown = await store.recordFrame({ device: 55, seq: 1n, type: 'session', keyId: 8 });
    assert.equal(!unknown.ok && unknown.error.code, 'UNKNOWN_DEVICE');
    assert.equal((await t.db.query('SELECT type FROM frames WHERE device_id = 1 AND seq = 80')).rows[0]?.['type'], 1);
  });
});
