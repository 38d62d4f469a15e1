import { hashPassword, verifyPassword } from '../auth/password-hash.js';
import { fail, ok, type Result } from '../result/result.js';
import type { Database } from './database.js';
import { dbFailure } from './db-failure.js';
import { isDeviceId } from './db-values.js';

/**
 * Who may connect to the broker as a device (docs/topics.md
 * §Authentication): username = the device id in decimal, password checked
 * against `devices.mqtt_password_hash`. Revoked devices cannot connect.
 */
export interface MqttCredentialStore {
  setPassword(deviceId: number, password: string): Promise<Result<void>>;
  /** The device id when username and password are right; undefined otherwise. */
  authenticate(username: string, password: string): Promise<Result<number | undefined>>;
}

export function createMqttCredentialStore(db: Database): MqttCredentialStore {
  return {
    async setPassword(deviceId, password) {
      try {
        const r = await db.query('UPDATE devices SET mqtt_password_hash = $2 WHERE id = $1', [deviceId, await hashPassword(password)]);
        return r.rowCount === 1 ? ok(undefined) : fail('DEVICE_NOT_FOUND', `device ${deviceId} does not exist`);
      } catch (e) {
        return dbFailure('DATABASE_ERROR', `set the MQTT password of device ${deviceId}`, e);
      }
    },
    async authenticate(username, password) {
      const id = /^\d{1,5}$/.test(username) ? Number(username) : NaN;
      if (!isDeviceId(id)) return ok(undefined);
      try {
        const r = await db.query<{ h: string | null }>('SELECT mqtt_password_hash AS h FROM devices WHERE id = $1 AND revoked_at IS NULL', [id]);
        const hash = r.rows[0]?.h;
        return ok(hash && (await verifyPassword(password, hash)) ? id : undefined);
      } catch (e) {
        return dbFailure('DATABASE_ERROR', `authenticate MQTT user ${username}`, e);
      }
    },
  };
}
