import assert from 'node:assert/strict';
import { createTestDatabase, type Queryable, type TestDatabase } from '@typedcluster/core';
import { createDashboardQueries } from './dashboard-queries.js';

const T0 = Date.parse('2026-11-21T07:40:00.000Z');
const CYCLES = 1500;

describe('dashboard: seed query against PostgreSQL @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  /** Every SQL text the queries sent, so the test can EXPLAIN the one it ran. */
  const sent: string[] = [];
  const recording = (db: Queryable): Queryable => ({
    query: (text, params) => {
      sent.push(text);
      return db.query(text, params);
    },
  });

  before(async () => {
    t = await createTestDatabase('dashboard_seed');
    await t.db.query(`INSERT INTO devices (id, name, identity_public_key) SELECT i, 'plc-' || i, decode(repeat('00', 32), 'hex') FROM generate_series(1, 4) i`);
    // PLCs 1 and 2: CYCLES cycles 30 s apart (seq = cycle); PLC 3: one cycle; PLC 4: none. Enough rows that a sort would cost more than the index.
    await t.db.query(
      `INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
       SELECT d, s, $1::timestamptz + s * interval '30 s', s, p, $1::timestamptz + s * interval '30 s' + (p - 1) * interval '6 s', s, p, d, NULL, 0.5
       FROM generate_series(1, 3) d, generate_series(1, CASE WHEN d = 3 THEN 1 ELSE $2::int END) s, generate_series(1, 5) p`,
      [new Date(T0).toISOString(), CYCLES],
    );
    await t.db.query('ANALYZE cycle_phases');
  });
  after(() => t?.drop());

  it('returns the newest rows of every PLC, newest phase_start first', async () => {
    const { rows, nowUs } = await createDashboardQueries(t.db).seed(7);
    assert.match(nowUs, /^\d{16}$/);
    const keys = rows.map((r) => `${r.plc}/${r.seq}/${r.phase}`);
    const newest = (plc: number) => [5, 4, 3, 2, 1].map((p) => `${plc}/${CYCLES}/${p}`).concat([`${plc}/${CYCLES - 1}/5`, `${plc}/${CYCLES - 1}/4`]);
    assert.deepEqual(keys, [...newest(1), ...newest(2), '3/1/5', '3/1/4', '3/1/3', '3/1/2', '3/1/1']);
    const first = rows[0];
    assert.deepEqual(first && { ...first, storedUs: typeof first.storedUs }, {
      plc: 1,
      seq: String(CYCLES),
      cycle: CYCLES,
      phase: 5,
      t: T0 + CYCLES * 30_000 + 24_000,
      s: [CYCLES, 5, 1, null, 0.5],
      storedUs: 'string',
    });
  });

  it('reads each PLC with a backward scan of (device_id, phase_start), no sort', async () => {
    sent.length = 0;
    await createDashboardQueries(recording(t.db)).seed(300);
    const seed = sent.find((s) => s.includes('cycle_phases'));
    assert.ok(seed, 'seed sent no query on cycle_phases');
    const plan = (await t.db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${seed}`, [300])).rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(plan, /Index Scan Backward using cycle_phases_device_phase_start on cycle_phases/, plan);
    assert.doesNotMatch(plan, /Sort|Seq Scan on cycle_phases/, plan);
  });
});
