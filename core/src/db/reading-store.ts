import { fail, ok, type Result } from '../result/result.js';
import type { CycleRecord, ReadingRecord, StoreOutcome, TextRecord } from '../pipeline/text-record.js';
import { TYPE_CODES } from '../wire/constants.js';
import type { FrameType } from '../wire/frame-types.js';
import type { Database } from './database.js';
import { dbFailure } from './db-failure.js';
import { isDeviceId, isU32, pgArray, toSeq } from './db-values.js';
import { checkRecord, cycleColumns, readingColumns } from './record-rows.js';

/**
 * Stores text records idempotently. The frames ledger decides: a
 * (device, seq) that is already there is a duplicate and its measurement
 * rows are not written again. A batch is one SQL statement (data-modifying
 * CTEs), hence one transaction: all of it is stored or none of it.
 */
export interface LedgerFrame {
  readonly device: number;
  readonly seq: bigint | string;
  readonly type: FrameType;
  readonly keyId: number;
}

export interface ReadingStore {
  /** Outcomes in input order; a record repeated in one batch is stored once, the repeats are 'duplicate'. */
  storeRecords(records: readonly TextRecord[]): Promise<Result<StoreOutcome[]>>;
  /** Ledger entry for a frame with no measurement rows (a session frame); idempotent. */
  recordFrame(frame: LedgerFrame): Promise<Result<StoreOutcome>>;
}

const STORE_BATCH = `
WITH new_frames AS (
  INSERT INTO frames (device_id, seq, type, key_id)
  SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::smallint[], $4::bigint[])
  ON CONFLICT (device_id, seq) DO NOTHING
  RETURNING device_id, seq
), new_readings AS (
  INSERT INTO readings (device_id, seq, ts, temperature, pressure, humidity)
  SELECT r.device_id, r.seq, r.ts, r.temperature, r.pressure, r.humidity
  FROM unnest($5::smallint[], $6::bigint[], $7::timestamptz[], $8::real[], $9::real[], $10::real[])
       AS r(device_id, seq, ts, temperature, pressure, humidity)
  JOIN new_frames USING (device_id, seq)
), new_phases AS (
  INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
  SELECT c.device_id, c.seq, c.cycle_start, c.cycle_no, c.phase, c.cycle_start + (c.phase - 1) * interval '6 seconds',
         c.s1, c.s2, c.s3, c.s4, c.s5
  FROM unnest($11::smallint[], $12::bigint[], $13::timestamptz[], $14::bigint[], $15::smallint[],
              $16::real[], $17::real[], $18::real[], $19::real[], $20::real[])
       AS c(device_id, seq, cycle_start, cycle_no, phase, s1, s2, s3, s4, s5)
  JOIN new_frames USING (device_id, seq)
)
SELECT device_id, seq::text AS seq FROM new_frames`;

export function createReadingStore(db: Database): ReadingStore {
  return {
    async storeRecords(records) {
      // First occurrence of each (device, seq) wins; later ones are duplicates without asking the database.
      const firstOf = new Map<string, TextRecord>();
      const keys: string[] = [];
      for (const [i, r] of records.entries()) {
        const checked = checkRecord(r, i);
        if (!checked.ok) return checked as Result<never>;
        const key = `${r.device}:${checked.value}`;
        keys.push(key);
        if (!firstOf.has(key)) firstOf.set(key, { ...r, seq: checked.value.toString() });
      }
      if (firstOf.size === 0) return ok([]);
      // Same lock order in every batch: concurrent overlapping batches cannot deadlock.
      const unique = [...firstOf.values()].sort((a, b) => a.device - b.device || cmp(BigInt(a.seq), BigInt(b.seq)));
      const readings = readingColumns(unique.filter((r): r is ReadingRecord => r.type === 'reading'));
      const cycles = cycleColumns(unique.filter((r): r is CycleRecord => r.type === 'cycle'));
      let stored: Set<string>;
      try {
        const columns = [
          unique.map((u) => u.device),
          unique.map((u) => u.seq),
          unique.map((u) => TYPE_CODES[u.type]),
          unique.map((u) => u.keyId),
          readings.device, readings.seq, readings.ts, readings.temperature, readings.pressure, readings.humidity,
          cycles.device, cycles.seq, cycles.cycleStart, cycles.cycleNo, cycles.phase, ...cycles.sensors,
        ];
        const r = await db.query<{ device_id: number; seq: string }>(STORE_BATCH, columns.map(pgArray));
        stored = new Set(r.rows.map((row) => `${row.device_id}:${row.seq}`));
      } catch (e) {
        return dbFailure('STORE_FAILED', `storing ${records.length} records failed, nothing was stored`, e);
      }
      // Only the first occurrence of a newly inserted key counts as stored.
      return ok(keys.map((k): StoreOutcome => (stored.delete(k) ? 'stored' : 'duplicate')));
    },

    async recordFrame(f) {
      const seq = toSeq(f.seq);
      if (!isDeviceId(f.device)) return fail('BAD_DEVICE_ID', `device id ${f.device} is not in 1..32767`, 'device');
      if (seq === undefined) return fail('BAD_SEQ', `seq ${String(f.seq)} is not in 0..2^63-1`, 'seq');
      if (!isU32(f.keyId)) return fail('BAD_REQUEST', `key id ${f.keyId} is not a u32`, 'keyId');
      try {
        const r = await db.query(
          'INSERT INTO frames (device_id, seq, type, key_id) VALUES ($1, $2, $3, $4) ON CONFLICT (device_id, seq) DO NOTHING RETURNING 1',
          [f.device, seq.toString(), TYPE_CODES[f.type], f.keyId],
        );
        return ok(r.rowCount === 1 ? 'stored' : 'duplicate');
      } catch (e) {
        if ((e as { code?: string }).code === '23503') return fail('UNKNOWN_DEVICE', `device ${f.device} is not registered`, 'device');
        return dbFailure('STORE_FAILED', `recording frame ${f.device}/${seq} failed`, e);
      }
    },
  };
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
