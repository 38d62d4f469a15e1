import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createDeviceRegistry, parseCredentials, type Database, type DeviceCredentials, type Logger, type RandomSource } from '@typedcluster/core';
import { provisionDevice } from './provision-device.js';

/**
 * A built-in device (the demo's and the simulator's), provisioned once and
 * reused: its credentials live in $TYPEDCLUSTER_HOME/devices like any other
 * device's. A credentials file whose device is gone or revoked, or that
 * predates MQTT passwords, is replaced.
 */
export async function ensureDemoDevice(
  db: Database,
  devicesDir: string,
  name: string,
  platformPublicKey: Uint8Array,
  random: RandomSource,
  log: Logger,
): Promise<DeviceCredentials> {
  const file = join(devicesDir, `${name}.json`);
  const registry = createDeviceRegistry(db);
  const existing = await readFile(file, 'utf8').then(parseCredentials, () => undefined);
  if (existing?.ok) {
    const device = await registry.getDevice(existing.value.deviceId);
    const samePlatform = Buffer.from(existing.value.platformPublicKey).equals(Buffer.from(platformPublicKey));
    const sameIdentity = device.ok && device.value !== undefined && Buffer.from(device.value.identityPublicKey).equals(Buffer.from(existing.value.identityPublicKey));
    if (sameIdentity && samePlatform && existing.value.mqttPassword !== undefined) {
      return existing.value;
    }
    log.warn('demo device credentials are stale; provisioning a new device', { file });
  }
  let r = await provisionDevice(db, { name, out: file, platformPublicKey }, random);
  if (!r.ok && r.error.code === 'DEVICE_EXISTS') {
    const next = await registry.nextFreeDeviceId();
    if (next.ok) r = await provisionDevice(db, { name: `${name}-${next.value}`, id: next.value, out: file, platformPublicKey }, random);
  }
  if (!r.ok) throw new Error(`cannot provision demo device ${name}: ${r.error.code} ${r.error.message}`);
  log.info('provisioned demo device', { id: r.value.deviceId, name: r.value.name, credentials: file });
  return r.value;
}
