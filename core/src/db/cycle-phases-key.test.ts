import assert from 'node:assert/strict';
import { createDeviceRegistry } from './device-registry.js';
import { createReadingStore, type ReadingStore } from './reading-store.js';
import { cycleRecord } from './test-records.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

/**
 * sql/007: cycle_phases has no primary key. The frames ledger keeps a
 * frame's five rows unique; the partial index cycle_phases_frame_once
 * (one phase 1 row per (device_id, seq)) is the backstop.
 */
describe('cycle_phases without a primary key (sql/007) @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let store: ReadingStore;

  /** Rows per frame of device `device`, and whether each frame has exactly phases 1..5. */
  const framesOf = async (device: number) =>
    (
      await t.db.query<{ seq: string; n: number; phases: number[] }>(
        'SELECT seq::text, count(*)::int AS n, array_agg(phase ORDER BY phase) AS phases FROM cycle_phases WHERE device_id = $1 GROUP BY seq ORDER BY seq',
        [device],
      )
    ).rows;
  const insertPhase = (device: number, seq: number, phase: number) =>
    t.db.query(
      `INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start)
       VALUES ($1, $2, '2026-11-21T07:40:00Z', $2, $3::smallint, timestamptz '2026-11-21T07:40:00Z' + ($3::smallint - 1) * interval '6 s')`,
      [device, seq, phase],
    );
  const sqlStateOf = async (p: Promise<unknown>): Promise<{ code?: string; constraint?: string }> => {
    try {
      await p;
    } catch (e) {
      return e as { code?: string; constraint?: string };
    }
    assert.fail('the statement was accepted');
  };

  before(async () => {
    t = await createTestDatabase('cycle_phases_key');
    store = createReadingStore(t.db);
    const registry = createDeviceRegistry(t.db);
    for (const id of [1, 2, 3]) assert.ok((await registry.addDevice({ id, name: `d${id}`, identityPublicKey: new Uint8Array(32) })).ok);
  });
  after(() => t?.drop());

  it('has the partial unique index instead of the primary key, and keeps the other indexes', async () => {
    const pk = await t.db.query("SELECT 1 FROM pg_constraint WHERE conrelid = 'cycle_phases'::regclass AND contype = 'p'");
    assert.equal(pk.rowCount, 0);
    const indexes = (
      await t.db.query<{ name: string; def: string }>("SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'cycle_phases' ORDER BY 1")
    ).rows;
    assert.deepEqual(
      indexes.map((i) => i.name),
      ['cycle_phases_device_phase_start', 'cycle_phases_frame_once', 'cycle_phases_stored_at'],
    );
    assert.match(indexes.find((i) => i.name === 'cycle_phases_frame_once')?.def ?? '', /^CREATE UNIQUE INDEX .* \(device_id, seq\) WHERE \(phase = 1\)$/);
  });

  it('refuses a second phase 1 row for a stored frame', async () => {
    assert.deepEqual(await store.storeRecords([cycleRecord(1, 10)]), { ok: true, value: ['stored'] });
    const e = await sqlStateOf(insertPhase(1, 10, 1));
    assert.deepEqual([e.code, e.constraint], ['23505', 'cycle_phases_frame_once']);
    // The same (device, seq) on another device is another frame.
    await insertPhase(2, 10, 1);
    assert.deepEqual((await framesOf(1)).map((f) => f.n), [5]);
  });

  it('fails the whole batch when phase rows exist for a frame the ledger does not know', async () => {
    // Rows without their frames row (written outside the store): the ledger would let the frame in again.
    await insertPhase(3, 50, 1);
    const r = await store.storeRecords([cycleRecord(3, 49), cycleRecord(3, 50), cycleRecord(3, 51)]);
    assert.equal(!r.ok && r.error.code, 'STORE_FAILED');
    // One statement, one transaction: nothing of the batch stayed.
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM frames WHERE device_id = 3')).rows[0]?.['n'], 0);
    assert.deepEqual(await framesOf(3), [{ seq: '50', n: 1, phases: [1] }]);
  });

  it('stores exactly five rows per frame through the store, duplicates in and across batches included', async () => {
    const seqs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => cycleRecord(2, from + i));
    const first = await store.storeRecords([...seqs(100, 149), ...seqs(120, 129), cycleRecord(2, 100)]);
    assert.ok(first.ok);
    assert.equal(first.value.filter((o) => o === 'stored').length, 50);
    // Overlapping batches, one of them concurrent with a third that repeats both.
    const [a, b, c] = await Promise.all([store.storeRecords(seqs(140, 199)), store.storeRecords(seqs(180, 249).reverse()), store.storeRecords(seqs(100, 249))]);
    assert.ok(a.ok && b.ok && c.ok);
    assert.equal([...a.value, ...b.value, ...c.value].filter((o) => o === 'stored').length, 100);
    const frames = (await framesOf(2)).filter((f) => Number(f.seq) >= 100);
    assert.equal(frames.length, 150);
    for (const f of frames) assert.deepEqual([f.seq, f.phases], [f.seq, [1, 2, 3, 4, 5]]);
  });
});
