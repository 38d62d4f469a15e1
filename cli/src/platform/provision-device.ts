import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  createDeviceRegistry,
  createMqttCredentialStore,
  generateIdentityKeypair,
  serializeCredentials,
  type Database,
  type DeviceCredentials,
  type RandomSource,
  type Result,
} from '@typedcluster/core';

export interface ProvisionRequest {
  readonly name: string;
  /** Omitted: the lowest free id. */
  readonly id?: number;
  readonly out: string;
  readonly platformPublicKey: Uint8Array;
}

/**
 * Creates a device's identity key and MQTT password, registers the public
 * key and the password's hash, and writes its credentials file (the
 * device's secret) where the sensor can read it.
 */
export async function provisionDevice(db: Database, req: ProvisionRequest, random: RandomSource): Promise<Result<DeviceCredentials>> {
  const registry = createDeviceRegistry(db);
  let id = req.id;
  if (id === undefined) {
    const next = await registry.nextFreeDeviceId();
    if (!next.ok) return next;
    id = next.value;
  }
  const identity = generateIdentityKeypair(random);
  const added = await registry.addDevice({ id, name: req.name, identityPublicKey: identity.publicKey });
  if (!added.ok) return added;
  const mqttPassword = Buffer.from(random(24)).toString('base64url');
  const pw = await createMqttCredentialStore(db).setPassword(id, mqttPassword);
  if (!pw.ok) return pw;
  const credentials: DeviceCredentials = {
    version: 1,
    deviceId: id,
    name: req.name,
    identitySecretKey: identity.secretKey,
    identityPublicKey: identity.publicKey,
    platformPublicKey: req.platformPublicKey,
    mqttPassword,
  };
  await mkdir(dirname(dirname(req.out)), { recursive: true });
  await mkdir(dirname(req.out), { recursive: true, mode: 0o700 });
  await writeFile(req.out, serializeCredentials(credentials), { mode: 0o600 });
  return { ok: true, value: credentials };
}
