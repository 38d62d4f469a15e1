import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMqttCredentialStore, parseCredentials, serializeCredentials, StartupError, systemRandom, type DeviceCredentials, type SimStream } from '@typedcluster/core';
import { readCliConfig } from '../cli-config.js';
import type { Io } from '../command.js';
import { ensureDemoDevice } from '../platform/demo-devices.js';
import { withPlatform } from '../platform/with-platform.js';

/** The names of the simulator's devices: sim-plc-1… or sim-sensor-1…. */
export const simDeviceNames = (stream: SimStream, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${stream === 'cycle' ? 'sim-plc' : 'sim-sensor'}-${i + 1}`);

/**
 * The simulator's devices, from their credentials files in
 * $TYPEDCLUSTER_HOME/devices. Only when a file is missing, unreadable or
 * without an MQTT password is the platform database opened, to provision
 * the device (or give an older one its MQTT password).
 */
export async function ensureSimDevices(io: Io, names: readonly string[]): Promise<{ devices: DeviceCredentials[]; provisioned: string[] }> {
  const config = readCliConfig(io.env, io.cwd);
  const fileOf = (name: string) => join(config.devicesDir, `${name}.json`);
  const found = await Promise.all(names.map((n) => readFile(fileOf(n), 'utf8').then(parseCredentials, () => undefined)));
  const usable = (i: number) => {
    const f = found[i];
    return f?.ok && f.value.mqttPassword !== undefined ? f.value : undefined;
  };
  if (names.every((_, i) => usable(i))) return { devices: names.map((_, i) => usable(i)!), provisioned: [] };
  return withPlatform(io, async (p) => {
    const devices: DeviceCredentials[] = [];
    const provisioned: string[] = [];
    for (const [i, name] of names.entries()) {
      const ready = usable(i);
      if (ready) {
        devices.push(ready);
        continue;
      }
      let creds: DeviceCredentials;
      try {
        creds = await ensureDemoDevice(p.database.db, p.config.devicesDir, name, p.secrets.platformKeys.publicKey, systemRandom, p.log);
      } catch (e) {
        throw new StartupError('DATABASE_ERROR', (e as Error).message, 'check that the platform database is reachable (typedcluster up)');
      }
      if (creds.mqttPassword === undefined) {
        // Provisioned before devices had MQTT passwords: give it one now.
        const mqttPassword = Buffer.from(systemRandom(24)).toString('base64url');
        const set = await createMqttCredentialStore(p.database.db).setPassword(creds.deviceId, mqttPassword);
        if (!set.ok) throw new StartupError(set.error.code, set.error.message, 'check that the platform database is reachable (typedcluster up)');
        creds = { ...creds, mqttPassword };
        await writeFile(fileOf(name), serializeCredentials(creds), { mode: 0o600 });
      }
      devices.push(creds);
      provisioned.push(`${name} (device ${creds.deviceId})`);
    }
    return { devices, provisioned };
  });
}
