import type { Queryable } from '@typedcluster/core';
import type { AnomalyMarker, PhaseRow } from './dashboard-types.js';

/** A polled row and its poll cursor: stored_at in epoch microseconds (exact, as text). */
export interface PolledRow extends PhaseRow {
  readonly storedUs: string;
}

export interface DevicePresence {
  readonly id: number;
  readonly name: string;
  readonly revoked: boolean;
  /** epoch ms of the device's latest frame; null = never sent one */
  readonly lastSeen: number | null;
}

export interface NodePresence {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly address: string | null;
  readonly status: string;
  readonly lastSeen: number | null;
}

/** The dashboard's only SQL: run by the shared poller, never per viewer. */
export interface DashboardQueries {
  /** The newest `perPlc` rows of every device, and the database's clock (epoch µs) to poll from. */
  seed(perPlc: number): Promise<{ rows: PolledRow[]; nowUs: string }>;
  /** Rows stored after `afterUs` (cycle_phases_stored_at index), oldest first, at most `limit`. */
  rowsSince(afterUs: string, limit: number): Promise<PolledRow[]>;
  /** Anomalies (is_anomaly) with id above `afterId`, or the newest `limit` when afterId is undefined; ascending id. */
  anomalies(afterId: string | undefined, limit: number): Promise<AnomalyMarker[]>;
  presence(): Promise<{ devices: DevicePresence[]; nodes: NodePresence[] }>;
}

const ROW_COLUMNS = `c.device_id AS plc, c.seq::text AS seq, c.cycle_no::float8 AS cycle, c.phase,
  (extract(epoch FROM c.phase_start) * 1000)::float8 AS t, c.s1, c.s2, c.s3, c.s4, c.s5,
  (extract(epoch FROM c.stored_at) * 1000000)::bigint::text AS stored_us`;

// Newest rows per device by cycle_phases_device_phase_start (device_id, phase_start), read
// backwards: one short index scan per device, no sort of the table (sql/007 dropped the
// (device_id, seq, phase) key this used to walk).
const SEED = `SELECT ${ROW_COLUMNS} FROM devices d
  CROSS JOIN LATERAL (SELECT * FROM cycle_phases c WHERE c.device_id = d.id ORDER BY c.phase_start DESC LIMIT $1) c`;

const SINCE = `SELECT ${ROW_COLUMNS} FROM cycle_phases c
  WHERE c.stored_at > timestamptz 'epoch' + $1::bigint * interval '1 microsecond'
  ORDER BY c.stored_at, c.device_id, c.seq, c.phase LIMIT $2`;

const ANOMALY_COLUMNS = `id::text AS id, plc_id AS plc, (extract(epoch FROM ts) * 1000)::float8 AS ts, cycle_no::float8 AS cycle, phase,
  detector, score, confidence::float8 AS confidence, affected_sensors AS sensors, acknowledged_at IS NOT NULL AS acknowledged`;

const PRESENCE = `SELECT d.id, d.name, d.revoked_at IS NOT NULL AS revoked,
  (extract(epoch FROM (SELECT f.received_at FROM frames f WHERE f.device_id = d.id ORDER BY f.seq DESC LIMIT 1)) * 1000)::float8 AS last_seen
  FROM devices d ORDER BY d.id`;

const NODES = `SELECT id, name, role, address, status, (extract(epoch FROM last_seen) * 1000)::float8 AS last_seen FROM nodes ORDER BY role, id LIMIT 100`;

interface RawRow {
  plc: number;
  seq: string;
  cycle: number;
  phase: number;
  t: number;
  s1: number | null;
  s2: number | null;
  s3: number | null;
  s4: number | null;
  s5: number | null;
  stored_us: string;
}

const toRow = (r: RawRow): PolledRow => ({ plc: r.plc, seq: r.seq, cycle: r.cycle, phase: r.phase, t: r.t, s: [r.s1, r.s2, r.s3, r.s4, r.s5], storedUs: r.stored_us });

export function createDashboardQueries(db: Queryable): DashboardQueries {
  return {
    async seed(perPlc) {
      const now = await db.query<{ now_us: string }>(`SELECT (extract(epoch FROM now()) * 1000000)::bigint::text AS now_us`);
      const rows = await db.query<RawRow>(SEED, [perPlc]);
      return { rows: rows.rows.map(toRow), nowUs: now.rows[0]?.now_us ?? '0' };
    },
    async rowsSince(afterUs, limit) {
      return (await db.query<RawRow>(SINCE, [afterUs, limit])).rows.map(toRow);
    },
    async anomalies(afterId, limit) {
      const r =
        afterId === undefined
          ? await db.query<AnomalyMarker>(`SELECT * FROM (SELECT ${ANOMALY_COLUMNS} FROM anomaly_reports WHERE is_anomaly ORDER BY id DESC LIMIT $1) a ORDER BY id::bigint`, [limit])
          : await db.query<AnomalyMarker>(`SELECT ${ANOMALY_COLUMNS} FROM anomaly_reports WHERE is_anomaly AND id > $1::bigint ORDER BY id LIMIT $2`, [afterId, limit]);
      return r.rows;
    },
    async presence() {
      const devices = (await db.query<{ id: number; name: string; revoked: boolean; last_seen: number | null }>(PRESENCE)).rows.map((d) => ({
        id: d.id,
        name: d.name,
        revoked: d.revoked,
        lastSeen: d.last_seen,
      }));
      let nodes: NodePresence[] = [];
      try {
        nodes = (await db.query<NodePresence & { last_seen: number | null }>(NODES)).rows.map(({ last_seen, ...n }) => ({ ...n, lastSeen: last_seen }));
      } catch (e) {
        // 42P01: no nodes table (a database migrated before sql/005): no nodes to show.
        if ((e as { code?: string }).code !== '42P01') throw e;
      }
      return { devices, nodes };
    },
  };
}
