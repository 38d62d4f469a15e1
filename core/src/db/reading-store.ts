import { fail, ok, type Result } from '../result/result.js';
import type { StoreOutcome, TextRecord } from '../pipeline/text-record.js';
import { TYPE_CODES } from '../wire/constants.js';
import type { FrameType } from '../wire/frame-types.js';
import type { Database } from './database.js';
import { dbFailure } from './db-failure.js';
import { isDeviceId, isU32, toSeq } from './db-values.js';
import { batchParams, checkRecord, type CheckedRecord } from './record-rows.js';

/**
 * Stores text records idempotently. The frames ledger decides: a
 * (device, seq) that is already there is a duplicate and its measurement
 * rows are not written again. A batch is one SQL statement (data-modifying
 * CTEs), hence one transaction: all of it is stored or none of it.
 * cycle_phases has no key on (device_id, seq, phase) since sql/007: this
 * statement keeps it unique, writing a frame's five rows only with its new
 * frames row; the partial index cycle_phases_frame_once is the backstop.
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

const notNaN = (x: string): string => `nullif(${x}, 'NaN')`;

/**
 * The device id if it is registered, else the statement fails with 23503
 * (sql/008: what the frames foreign key did, without its per-row lock).
 * A subquery, not a join, so the rows keep their sorted order.
 */
const KNOWN_DEVICE = (id: string): string => `coalesce((SELECT d.id FROM devices d WHERE d.id = ${id}), frames_unknown_device(${id}))`;

/**
 * Parameters: batchParams (record-rows.ts), binary arrays. A cycle frame
 * is one element of each metadata array and 25 of the flat sensor array
 * $15; the VALUES list makes its five rows, each phase with its start
 * offset and its place in $15. $15 holds no NULLs (NaN stands for them),
 * so each subscript is a direct offset, not a walk along a null bitmap.
 */
const STORE_BATCH = `
WITH new_frames AS (
  INSERT INTO frames (device_id, seq, type, key_id)
  SELECT ${KNOWN_DEVICE('u.device_id')}, u.seq, u.type, u.key_id
  FROM unnest($1::smallint[], $2::bigint[], $3::smallint[], $4::bigint[]) AS u(device_id, seq, type, key_id)
  ON CONFLICT (device_id, seq) DO NOTHING
  RETURNING device_id, seq
), new_readings AS (
  INSERT INTO readings (device_id, seq, ts, temperature, pressure, humidity)
  SELECT r.device_id, r.seq, r.ts, ${notNaN('r.t')}, ${notNaN('r.p')}, ${notNaN('r.h')}
  FROM unnest($5::smallint[], $6::bigint[], $7::timestamptz[], $8::real[], $9::real[], $10::real[]) AS r(device_id, seq, ts, t, p, h)
  JOIN new_frames USING (device_id, seq)
), new_phases AS (
  INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
  SELECT c.device_id, c.seq, c.cycle_start, c.cycle_no, p.phase, c.cycle_start + p.offset_time,
         ${[1, 2, 3, 4, 5].map((s) => notNaN(`($15::real[])[(c.i - 1) * 25 + p.at + ${s}]`)).join(', ')}
  FROM unnest($11::smallint[], $12::bigint[], $13::timestamptz[], $14::bigint[]) WITH ORDINALITY AS c(device_id, seq, cycle_start, cycle_no, i)
  JOIN new_frames USING (device_id, seq)
  CROSS JOIN (VALUES (1::smallint, interval '0 s', 0), (2::smallint, interval '6 s', 5), (3::smallint, interval '12 s', 10),
                     (4::smallint, interval '18 s', 15), (5::smallint, interval '24 s', 20)) AS p(phase, offset_time, at)
)
-- The frames not inserted (already stored): none in the common case, so no rows to send back and parse.
SELECT f.device_id, f.seq::text AS seq
FROM unnest($1::smallint[], $2::bigint[]) AS f(device_id, seq)
LEFT JOIN new_frames n ON n.device_id = f.device_id AND n.seq = f.seq
WHERE n.seq IS NULL`;

export function createReadingStore(db: Database): ReadingStore {
  return {
    async storeRecords(records) {
      // First occurrence of each (device, seq) wins; later ones are duplicates without asking the database.
      const firstOf = new Map<string, CheckedRecord>();
      // Per record its key where it is the key's first occurrence; undefined for a repeat.
      const firstKeys: Array<string | undefined> = [];
      for (const [i, r] of records.entries()) {
        const checked = checkRecord(r, i);
        if (!checked.ok) return checked as Result<never>;
        const key = `${r.device}:${checked.value.seqText}`;
        if (firstOf.has(key)) firstKeys.push(undefined);
        else {
          firstOf.set(key, checked.value);
          firstKeys.push(key);
        }
      }
      if (firstOf.size === 0) return ok([]);
      // Same lock order in every batch: concurrent overlapping batches cannot deadlock.
      const unique = [...firstOf.values()].sort((a, b) => a.record.device - b.record.device || cmp(a.seq, b.seq));
      let alreadyStored: Set<string>;
      try {
        const r = await db.query<{ device_id: number; seq: string }>(STORE_BATCH, batchParams(unique));
        alreadyStored = new Set(r.rows.map((row) => `${row.device_id}:${row.seq}`));
      } catch (e) {
        return dbFailure('STORE_FAILED', `storing ${records.length} records failed, nothing was stored`, e);
      }
      // Only the first occurrence of a newly inserted key counts as stored.
      return ok(firstKeys.map((k): StoreOutcome => (k === undefined || alreadyStored.has(k) ? 'duplicate' : 'stored')));
    },

    async recordFrame(f) {
      const seq = toSeq(f.seq);
      if (!isDeviceId(f.device)) return fail('BAD_DEVICE_ID', `device id ${f.device} is not in 1..32767`, 'device');
      if (seq === undefined) return fail('BAD_SEQ', `seq ${String(f.seq)} is not in 0..2^63-1`, 'seq');
      if (!isU32(f.keyId)) return fail('BAD_REQUEST', `key id ${f.keyId} is not a u32`, 'keyId');
      try {
        const r = await db.query(
          `INSERT INTO frames (device_id, seq, type, key_id) SELECT ${KNOWN_DEVICE('$1::smallint')}, $2, $3, $4 ON CONFLICT (device_id, seq) DO NOTHING RETURNING 1`,
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
