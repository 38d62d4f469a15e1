import assert from 'node:assert/strict';
import { connectAsync, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { freePort } from '../db/free-port.js';
import { createLogger } from '../log/logger.js';
import { startPlainBroker, type PlainBroker } from '../testing/plain-broker.js';
import { createMqttPublisher, type MqttPublisher } from './mqtt-publisher.js';

const log = createLogger('test', { level: 'error' });

/** Collects what a subscriber receives on `filter`. */
async function subscriber(url: string, filter: string): Promise<{ client: MqttClient; got: string[] }> {
  const client = await connectAsync(url, { clientId: `sub-${Math.random()}`, reconnectPeriod: 100 });
  const got: string[] = [];
  client.on('message', (_t, p) => got.push(p.toString('utf8')));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, got };
}

const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
};

describe('createMqttPublisher @integration', function () {
  this.timeout(20_000);
  let port: number;
  let url: string;
  let broker: PlainBroker | undefined;
  let publisher: MqttPublisher | undefined;
  const clients: MqttClient[] = [];

  beforeEach(async () => {
    port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
  });
  afterEach(async () => {
    await publisher?.close(0);
    publisher = undefined;
    for (const c of clients.splice(0)) await c.endAsync(true);
    await broker?.kill();
    broker = undefined;
  });

  const open = (extra: { maxQueued?: number; registry?: Registry } = {}) =>
    createMqttPublisher({ url, username: 'u', password: 'p', clientId: `pub-${port}`, log, name: 'test', ...extra });

  it('delivers queued messages with QoS 1, in order', async () => {
    broker = await startPlainBroker(port);
    const sub = await subscriber(url, 'readings/+');
    clients.push(sub.client);
    publisher = open();
    for (let i = 0; i < 20; i++) publisher.enqueue('readings/7', `m${i}`);
    assert.equal(await publisher.drained(5_000), true);
    await until(() => sub.got.length === 20, 'all 20 delivered');
    assert.deepEqual(sub.got, Array.from({ length: 20 }, (_, i) => `m${i}`));
    assert.equal(publisher.stats().published, 20);
  });

  it('enqueue returns at once while the broker is down; the queue is sent when it comes up', async () => {
    publisher = open();
    publisher.enqueue('readings/1', 'early');
    assert.equal(publisher.stats().queued, 1);
    // Waits for a PUBACK that cannot come, and says so; the message stays queued.
    const confirmed = await publisher.publishConfirmed('readings/1', 'confirmed', 200);
    assert.equal(confirmed.ok, false);
    assert.equal(!confirmed.ok && confirmed.error.code, 'UPSTREAM_FAILED');

    broker = await startPlainBroker(port);
    const sub = await subscriber(url, 'readings/+');
    clients.push(sub.client);
    // The subscriber may come after the publisher reconnected: publish once more after it is there.
    await until(() => publisher!.stats().connected, 'publisher reconnected');
    const r = await publisher.publishConfirmed('readings/1', 'late');
    assert.equal(r.ok, true);
    await until(() => sub.got.includes('late'), 'late delivered');
    assert.equal(publisher.stats().queued, 0);
  });

  it('drops the oldest when the queue is full, and counts it', async () => {
    const registry = new Registry();
    publisher = open({ maxQueued: 3, registry });
    for (let i = 0; i < 5; i++) publisher.enqueue('readings/2', `m${i}`);
    assert.equal(publisher.stats().dropped, 2);
    const metric = await registry.getSingleMetricAsString('typedcluster_mqtt_publish_dropped_total');
    assert.match(metric, /typedcluster_mqtt_publish_dropped_total\{publisher="test"\} 2/);

    broker = await startPlainBroker(port);
    // The publisher retries after 1 s, so this subscriber is normally there first; what it sees must be the newest.
    const sub = await subscriber(url, 'readings/+');
    clients.push(sub.client);
    await until(() => publisher!.stats().published === 3, 'the 3 newest were sent');
    assert.equal(publisher.stats().queued, 0);
    for (const m of sub.got) assert.ok(['m2', 'm3', 'm4'].includes(m), `${m} should have been dropped`);
  });
});
