import assert from 'node:assert/strict';
import { createDeviceRegistry } from './device-registry.js';
import { createMqttCredentialStore } from './mqtt-credentials.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

describe('MQTT credentials @integration', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('mqtt_creds');
    const reg = createDeviceRegistry(t.db);
    for (const id of [5, 6]) assert.ok((await reg.addDevice({ id, name: `d${id}`, identityPublicKey: new Uint8Array(32) })).ok);
  });
  after(() => t?.drop());

  it('authenticates a device by id and password, and nothing else', async () => {
    const store = createMqttCredentialStore(t.db);
    assert.ok((await store.setPassword(5, 'p'.repeat(24))).ok);
    assert.deepEqual(await store.authenticate('5', 'p'.repeat(24)), { ok: true, value: 5 });
    for (const [u, p] of [['5', 'wrong-password-xxxxxxxx'], ['6', 'p'.repeat(24)], ['05x', 'p'.repeat(24)], ['99', 'x'], ['', '']]) {
      assert.deepEqual(await store.authenticate(u!, p!), { ok: true, value: undefined }, `${u}/${p}`);
    }
  });

  it('refuses a revoked device and reports an unknown one', async () => {
    const store = createMqttCredentialStore(t.db);
    assert.ok((await store.setPassword(6, 'q'.repeat(24))).ok);
    await createDeviceRegistry(t.db).revokeDevice(6);
    assert.deepEqual(await store.authenticate('6', 'q'.repeat(24)), { ok: true, value: undefined });
    const missing = await store.setPassword(77, 'q'.repeat(24));
    assert.equal(missing.ok ? 'ok' : missing.error.code, 'DEVICE_NOT_FOUND');
  });
});
