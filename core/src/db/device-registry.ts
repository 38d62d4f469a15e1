import { fail, ok, type Result } from '../result/result.js';
import type { Database } from './database.js';
import { dbFailure } from './db-failure.js';
import { isDeviceId, isU32, MAX_DEVICE_ID, toBytea, toSeq } from './db-values.js';

/**
 * Devices and their session keys. Every method returns a Result: a
 * database failure is DATABASE_UNREACHABLE or DATABASE_ERROR, never a throw.
 * Revoked devices stay in the table (ids are never reused) but are
 * invisible to getDevice and getSessionKey.
 */
export interface Device {
  readonly id: number;
  readonly name: string;
  readonly identityPublicKey: Uint8Array;
  readonly createdAt: Date;
  readonly revokedAt: Date | undefined;
}

export interface NewDevice {
  readonly id: number;
  readonly name: string;
  /** Ed25519 public key, 32 bytes. */
  readonly identityPublicKey: Uint8Array;
}

export interface NewSession {
  readonly deviceId: number;
  readonly keyId: number;
  /** The derived 32-byte session key. */
  readonly sessionKey: Uint8Array;
  /** Sequence number of the session frame. */
  readonly seq: bigint | string;
}

export type SessionOutcome = 'opened' | 'exists';

export interface DeviceRegistry {
  addDevice(d: NewDevice): Promise<Result<Device>>;
  /** undefined when absent or revoked. */
  getDevice(id: number): Promise<Result<Device | undefined>>;
  /** All devices, revoked ones included, by id. */
  listDevices(): Promise<Result<Device[]>>;
  revokeDevice(id: number): Promise<Result<'revoked' | 'already-revoked'>>;
  /** Lowest id never used (revoked ids count as used). */
  nextFreeDeviceId(): Promise<Result<number>>;
  /** Idempotent: a key id already open keeps its first key and answers 'exists'. */
  openSession(s: NewSession): Promise<Result<SessionOutcome>>;
  /** undefined when no such session or the device is revoked. */
  getSessionKey(deviceId: number, keyId: number): Promise<Result<Uint8Array | undefined>>;
  /** Highest seq in the frames ledger for the device; undefined before its first frame. */
  highWater(deviceId: number): Promise<Result<bigint | undefined>>;
}

interface DeviceRow {
  id: number;
  name: string;
  identity_public_key: Buffer;
  created_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, identity_public_key, created_at, revoked_at';
const toDevice = (r: DeviceRow): Device => ({
  id: r.id,
  name: r.name,
  identityPublicKey: new Uint8Array(r.identity_public_key),
  createdAt: r.created_at,
  revokedAt: r.revoked_at ?? undefined,
});

export function createDeviceRegistry(db: Database): DeviceRegistry {
  // Wraps one operation so that a thrown database error becomes a value.
  const attempt = async <T>(what: string, fn: () => Promise<Result<T>>): Promise<Result<T>> => {
    try {
      return await fn();
    } catch (e) {
      return dbFailure('DATABASE_ERROR', what, e);
    }
  };

  return {
    addDevice: (d) =>
      attempt(`add device ${d.id}`, async () => {
        if (!isDeviceId(d.id)) return fail('BAD_DEVICE_ID', `device id ${d.id} is not in 1..${MAX_DEVICE_ID}`, 'id');
        if (typeof d.name !== 'string' || d.name.length < 1 || d.name.length > 200) return fail('BAD_REQUEST', 'device name must be 1..200 characters', 'name');
        if (d.identityPublicKey.length !== 32) return fail('BAD_REQUEST', `identity public key must be 32 bytes, not ${d.identityPublicKey.length}`, 'identityPublicKey');
        try {
          const r = await db.query<DeviceRow>(`INSERT INTO devices (id, name, identity_public_key) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [
            d.id,
            d.name,
            toBytea(d.identityPublicKey),
          ]);
          return ok(toDevice(r.rows[0] as DeviceRow));
        } catch (e) {
          const err = e as { code?: string; constraint?: string };
          if (err.code !== '23505') throw e;
          return err.constraint === 'devices_name_key'
            ? fail('DEVICE_EXISTS', `a device named "${d.name}" already exists`, 'name')
            : fail('DEVICE_EXISTS', `device id ${d.id} already exists`, 'id');
        }
      }),

    getDevice: (id) =>
      attempt(`get device ${id}`, async () => {
        if (!isDeviceId(id)) return ok(undefined);
        const r = await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE id = $1 AND revoked_at IS NULL`, [id]);
        return ok(r.rows[0] ? toDevice(r.rows[0]) : undefined);
      }),

    listDevices: () =>
      attempt('list devices', async () => ok((await db.query<DeviceRow>(`SELECT ${COLUMNS} FROM devices ORDER BY id`)).rows.map(toDevice))),

    revokeDevice: (id) =>
      attempt(`revoke device ${id}`, async () => {
        if (!isDeviceId(id)) return fail('DEVICE_NOT_FOUND', `no device ${id}`, 'id');
        // coalesce keeps the first revocation time when revoked twice.
        const r = await db.query<{ was_revoked: boolean }>(
          `UPDATE devices d SET revoked_at = coalesce(d.revoked_at, now())
             FROM devices old WHERE d.id = $1 AND old.id = d.id
           RETURNING old.revoked_at IS NOT NULL AS was_revoked`,
          [id],
        );
        const row = r.rows[0];
        if (!row) return fail('DEVICE_NOT_FOUND', `no device ${id}`, 'id');
        return ok(row.was_revoked ? 'already-revoked' : 'revoked');
      }),

    nextFreeDeviceId: () =>
      attempt('find a free device id', async () => {
        const r = await db.query<{ id: number }>(
          `SELECT c.id FROM (SELECT 1 AS id UNION ALL SELECT id + 1 FROM devices WHERE id < $1) c
           WHERE NOT EXISTS (SELECT 1 FROM devices d WHERE d.id = c.id) ORDER BY c.id LIMIT 1`,
          [MAX_DEVICE_ID],
        );
        const row = r.rows[0];
        return row ? ok(row.id) : fail('DEVICE_IDS_EXHAUSTED', `all device ids 1..${MAX_DEVICE_ID} are taken`);
      }),

    openSession: (s) =>
      attempt(`open session ${s.deviceId}/${s.keyId}`, async () => {
        const seq = toSeq(s.seq);
        if (!isDeviceId(s.deviceId)) return fail('BAD_DEVICE_ID', `device id ${s.deviceId} is not in 1..${MAX_DEVICE_ID}`, 'deviceId');
        if (!isU32(s.keyId)) return fail('BAD_REQUEST', `key id ${s.keyId} is not a u32`, 'keyId');
        if (s.sessionKey.length !== 32) return fail('BAD_REQUEST', `session key must be 32 bytes, not ${s.sessionKey.length}`, 'sessionKey');
        if (seq === undefined) return fail('BAD_SEQ', `seq ${String(s.seq)} is not in 0..2^63-1`, 'seq');
        // One statement: the device check and the insert see the same snapshot.
        const r = await db.query<{ device: boolean; inserted: boolean }>(
          `WITH dev AS (SELECT id FROM devices WHERE id = $1 AND revoked_at IS NULL),
                ins AS (INSERT INTO device_sessions (device_id, key_id, session_key, opened_seq)
                        SELECT id, $2, $3, $4 FROM dev ON CONFLICT (device_id, key_id) DO NOTHING RETURNING 1)
           SELECT EXISTS (SELECT 1 FROM dev) AS device, EXISTS (SELECT 1 FROM ins) AS inserted`,
          [s.deviceId, s.keyId, toBytea(s.sessionKey), seq.toString()],
        );
        const row = r.rows[0];
        if (!row?.device) return fail('UNKNOWN_DEVICE', `no registered, non-revoked device ${s.deviceId}`, 'deviceId');
        return ok(row.inserted ? 'opened' : 'exists');
      }),

    getSessionKey: (deviceId, keyId) =>
      attempt(`get session key ${deviceId}/${keyId}`, async () => {
        if (!isDeviceId(deviceId) || !isU32(keyId)) return ok(undefined);
        const r = await db.query<{ session_key: Buffer }>(
          `SELECT s.session_key FROM device_sessions s JOIN devices d ON d.id = s.device_id
           WHERE s.device_id = $1 AND s.key_id = $2 AND d.revoked_at IS NULL`,
          [deviceId, keyId],
        );
        return ok(r.rows[0] ? new Uint8Array(r.rows[0].session_key) : undefined);
      }),

    highWater: (deviceId) =>
      attempt(`high-water mark of device ${deviceId}`, async () => {
        if (!isDeviceId(deviceId)) return ok(undefined);
        const r = await db.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM frames WHERE device_id = $1', [deviceId]);
        const seq = r.rows[0]?.seq;
        return ok(seq == null ? undefined : BigInt(seq));
      }),
  };
}
