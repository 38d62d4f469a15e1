import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { equalBytes } from '../wire/bytes.js';
import { MAX_DEVICE_ID } from '../wire/constants.js';

/**
 * What a device is provisioned with (wire-format §3.4), stored as a JSON
 * file: `{version: 1, deviceId, name, identitySecretKey,
 * identityPublicKey, platformPublicKey, mqttPassword?}`, keys in standard padded base64.
 * The identity secret key is libsodium's 64-byte Ed25519 form
 * (seed ‖ public key). The file is secret: the identity key is the device.
 */
export interface DeviceCredentials {
  readonly version: 1;
  readonly deviceId: number;
  readonly name: string;
  readonly identitySecretKey: Uint8Array;
  readonly identityPublicKey: Uint8Array;
  readonly platformPublicKey: Uint8Array;
  /**
   * The device's MQTT password (username: its id in decimal); absent for a
   * device that only speaks HTTP or TCP. docs/topics.md §Authentication.
   */
  readonly mqttPassword?: string;
}

const KEY_SIZES = { identitySecretKey: 64, identityPublicKey: 32, platformPublicKey: 32 } as const;
type KeyField = keyof typeof KEY_SIZES;

/** Never throws; failures are CONFIG_INVALID with `at` = the field name. */
export function parseCredentials(text: string): Result<DeviceCredentials> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail('CONFIG_INVALID', `credentials are not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('CONFIG_INVALID', 'credentials must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.version !== 1) return fail('CONFIG_INVALID', `credentials version ${JSON.stringify(o.version)} is not supported, expected 1`, 'version');
  const { deviceId, name } = o;
  if (typeof deviceId !== 'number' || !Number.isInteger(deviceId) || deviceId < 1 || deviceId > MAX_DEVICE_ID) {
    return fail('CONFIG_INVALID', `deviceId must be an integer in 1..${MAX_DEVICE_ID}`, 'deviceId');
  }
  if (typeof name !== 'string' || name.length === 0) return fail('CONFIG_INVALID', 'name must be a non-empty string', 'name');

  const keys: Partial<Record<KeyField, Uint8Array>> = {};
  for (const field of Object.keys(KEY_SIZES) as KeyField[]) {
    const bytes = decodeBase64(o[field]);
    if (!bytes || bytes.length !== KEY_SIZES[field]) {
      return fail('CONFIG_INVALID', `${field} must be ${KEY_SIZES[field]} bytes in standard base64`, field);
    }
    keys[field] = bytes;
  }
  const { identitySecretKey, identityPublicKey, platformPublicKey } = keys as Record<KeyField, Uint8Array>;
  // libsodium's secret key ends with its public key: a mismatch means a file pieced together from two devices.
  if (!equalBytes(identitySecretKey.subarray(32), identityPublicKey)) {
    return fail('CONFIG_INVALID', 'identityPublicKey does not belong to identitySecretKey', 'identityPublicKey');
  }
  const { mqttPassword } = o;
  if (mqttPassword !== undefined && (typeof mqttPassword !== 'string' || mqttPassword.length < 16)) {
    return fail('CONFIG_INVALID', 'mqttPassword must be a string of at least 16 characters', 'mqttPassword');
  }
  const base = { version: 1 as const, deviceId, name, identitySecretKey, identityPublicKey, platformPublicKey };
  return ok(mqttPassword === undefined ? base : { ...base, mqttPassword });
}

export function serializeCredentials(c: DeviceCredentials): string {
  const json = {
    version: c.version,
    deviceId: c.deviceId,
    name: c.name,
    identitySecretKey: toBase64(c.identitySecretKey),
    identityPublicKey: toBase64(c.identityPublicKey),
    platformPublicKey: toBase64(c.platformPublicKey),
    ...(c.mqttPassword === undefined ? {} : { mqttPassword: c.mqttPassword }),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

const toBase64 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');

/** Strict: Buffer's decoder skips junk characters, so only accept what re-encodes identically. */
function decodeBase64(v: unknown): Uint8Array | undefined {
  if (typeof v !== 'string') return undefined;
  const bytes = new Uint8Array(Buffer.from(v, 'base64'));
  return toBase64(bytes) === v ? bytes : undefined;
}
