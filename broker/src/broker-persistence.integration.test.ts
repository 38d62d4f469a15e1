import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeviceRegistry, createLogger, createMqttCredentialStore, createTestDatabase, ok, type TestDatabase } from '@typedcluster/core';
import { startBroker, type BrokerOptions, type RunningBroker } from './start-broker.js';
import { collect, connectClient, endAll, mustConnect, subscribeCodes } from './testing/mqtt-test-clients.js';

const silent = createLogger('broker', { sink: () => undefined });
const GATEWAY = { username: 'gateway', password: 'gateway-secret-123', clientId: 'gateway-connector', clean: false } as const;

describe('embedded MQTT broker: persistence @integration', () => {
  let dir: string;
  let broker: RunningBroker | undefined;
  const opts = (): BrokerOptions => ({
    port: 0,
    persistenceDir: join(dir, 'mqtt'),
    authenticate: async (u, p) => ok(u === '7' && p === 'password-of-device-7' ? 7 : undefined),
    gatewayPassword: GATEWAY.password,
    log: silent,
  });
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'tc-broker-persist-'))));
  afterEach(() => broker?.stop());
  after(() => rm(dir, { recursive: true, force: true }));

  it("keeps QoS 1 messages queued for the gateway's persistent session across a broker restart", async () => {
    broker = await startBroker(opts());
    const first = await mustConnect(broker.url, GATEWAY);
    assert.deepEqual(await subscribeCodes(first, ['plc/+/cycle']), [1]);
    await endAll(first);

    const device = await mustConnect(broker.url, { username: '7', password: 'password-of-device-7' });
    for (let i = 0; i < 20; i++) await device.publishAsync('plc/7/cycle', `frame-${i}`, { qos: 1 });
    await endAll(device);
    await broker.stop();

    // Same dir, new process state, new port: only the disk carries the session over.
    broker = await startBroker(opts());
    const again = await mustConnect(broker.url, GATEWAY);
    const inbox = collect(again);
    await inbox.waitFor(() => inbox.messages.length >= 20);
    await new Promise((r) => setTimeout(r, 200)); // nothing beyond the 20, no duplicates
    assert.deepEqual(
      inbox.messages.map((m) => `${m.topic} ${m.payload.toString()}`),
      Array.from({ length: 20 }, (_, i) => `plc/7/cycle frame-${i}`),
    );
    await endAll(again);
  });

  it("still refuses a device the gateway's client id after a restart (the binding is on disk)", async () => {
    broker = await startBroker(opts());
    const taker = await connectClient(broker.url, { username: '7', password: 'password-of-device-7', clientId: GATEWAY.clientId });
    assert.deepEqual(taker.ok ? 'connected' : taker.returnCode, 2);
    assert.equal(broker.metrics.refusedCount('auth'), 1);
  });
});

describe('embedded MQTT broker with the device registry @integration', () => {
  let t: TestDatabase;
  let dir: string;
  let broker: RunningBroker;
  before(async () => {
    t = await createTestDatabase('broker_creds');
    dir = await mkdtemp(join(tmpdir(), 'tc-broker-creds-'));
    const registry = createDeviceRegistry(t.db);
    const store = createMqttCredentialStore(t.db);
    for (const id of [21, 22]) {
      assert.ok((await registry.addDevice({ id, name: `press-${id}`, identityPublicKey: new Uint8Array(32) })).ok);
      assert.ok((await store.setPassword(id, `mqtt-password-of-${id}`)).ok);
    }
    await registry.revokeDevice(22);
    broker = await startBroker({ port: 0, persistenceDir: join(dir, 'mqtt'), authenticate: store.authenticate, log: silent });
  });
  after(async () => {
    await broker?.stop();
    await t?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in a registered device with its MQTT password and refuses a wrong password and a revoked device', async () => {
    const good = await mustConnect(broker.url, { username: '21', password: 'mqtt-password-of-21' });
    await good.publishAsync('sensor/21/reading', 'x', { qos: 1 });
    await endAll(good);
    for (const [username, password] of [['21', 'mqtt-password-of-22'], ['22', 'mqtt-password-of-22'], ['23', 'x']]) {
      const r = await connectClient(broker.url, { username, password });
      assert.deepEqual(r.ok ? 'connected' : r.returnCode, 4, `${username}`);
    }
    assert.equal(broker.metrics.refusedCount('auth'), 3);
  });
});
