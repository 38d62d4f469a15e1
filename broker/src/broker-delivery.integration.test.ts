import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, ok } from '@typedcluster/core';
import type { MqttClient } from 'mqtt';
import { startBroker, type BrokerOptions, type RunningBroker } from './start-broker.js';
import { collect, endAll, mustConnect, subscribeCodes, type Inbox } from './testing/mqtt-test-clients.js';

const silent = createLogger('broker', { sink: () => undefined });
const GATEWAY = { username: 'gateway', password: 'gateway-secret-123', clientId: 'typedcluster-gateway', clean: false } as const;
const DEVICES = Array.from({ length: 10 }, (_, i) => i + 1);
const device = (id: number) => ({ username: String(id), password: `password-of-device-${id}`, clientId: `device-${id}` });

/** `count` QoS 1 frames from each device, all in flight at once (the load the connector sees); resolves when all are PUBACKed. */
async function publishFrames(devices: MqttClient[], count: number, tag: string): Promise<void> {
  await Promise.all(
    devices.map((d, i) => Promise.all(Array.from({ length: count }, (_, k) => d.publishAsync(`plc/${DEVICES[i]}/cycle`, `${tag} ${DEVICES[i]} ${k}`, { qos: 1 })))),
  );
}

/** Polls `done` (Inbox.waitFor tests one message at a time); resolves false after `ms`. */
async function eventually(done: () => boolean, ms = 10_000): Promise<boolean> {
  for (const until = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > until) return false;
  return true;
}

/**
 * Resolves once the broker has written what `gateway`'s PUBACKs so far
 * removed: a stop before that would rightly deliver those messages again.
 * A SUBSCRIBE of a persistent session is answered once its own record is
 * written, and the mirror writes in order; the second round trip starts
 * only after the broker has handled every PUBACK sent before the first.
 */
async function acksWritten(gateway: MqttClient): Promise<void> {
  for (let i = 0; i < 2; i++) await gateway.subscribeAsync('plc/+/cycle', { qos: 1 });
}

const frames = (inbox: Inbox, tag: string) => inbox.messages.map((m) => m.payload.toString()).filter((p) => p.startsWith(`${tag} `));
const expected = (tag: string, count: number) => DEVICES.flatMap((id) => Array.from({ length: count }, (_, k) => `${tag} ${id} ${k}`));
/** Each device's frames, in the order they arrived. */
const byDevice = (received: string[]) => DEVICES.map((id) => received.filter((p) => p.split(' ')[1] === String(id)));

describe('embedded MQTT broker: QoS 1 delivery to a persistent session @integration', () => {
  let dir: string;
  let broker: RunningBroker | undefined;
  const opened: MqttClient[] = [];
  const opts = (): BrokerOptions => ({
    port: 0,
    persistenceDir: join(dir, 'mqtt'),
    authenticate: async (u, p) => ok(p === `password-of-device-${u}` ? Number(u) : undefined),
    gatewayPassword: GATEWAY.password,
    log: silent,
  });
  const connect = async (o: Parameters<typeof mustConnect>[1]) => {
    const c = await mustConnect(broker!.url, o);
    opened.push(c);
    return c;
  };
  const connectDevices = () => Promise.all(DEVICES.map((id) => connect(device(id))));
  /** Stops the broker after the clients have gone (a graceful end delivers their last PUBACKs first). */
  const restart = async () => {
    await Promise.all(opened.splice(0).map((c) => c.endAsync()));
    await broker!.stop();
    broker = await startBroker(opts());
  };

  /**
   * What the gateway gets when it comes back, besides a sentinel published
   * after it connected: what was left in its queue. (Not while devices are
   * still publishing: Aedes then replays some messages it also delivers
   * live, and may drop the connection with 'no such packet' if the live
   * copy is acknowledged first. That is Aedes' own, memory store included.)
   */
  const deliveredOnReconnect = async () => {
    const gateway = await connect(GATEWAY);
    const inbox = collect(gateway);
    const [d1] = await connectDevices();
    await d1!.publishAsync('plc/1/cycle', 'sentinel', { qos: 1 });
    await inbox.waitFor((m) => m.payload.toString() === 'sentinel');
    await new Promise((r) => setTimeout(r, 200));
    return inbox.messages.map((m) => m.payload.toString()).filter((p) => p !== 'sentinel');
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-broker-delivery-'));
    broker = await startBroker(opts());
  });
  afterEach(async () => {
    await endAll(...opened.splice(0));
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every message live to the connected gateway under load: 10 devices x 51 frames, three times', async () => {
    const gateway = await connect(GATEWAY);
    assert.deepEqual(await subscribeCodes(gateway, ['plc/+/cycle']), [1]);
    const inbox = collect(gateway);
    const devices = await connectDevices();
    for (const round of ['r1', 'r2', 'r3']) {
      await publishFrames(devices, 51, round);
      // Live means now: a message left in the queue would only come after a reconnect, which this test never does.
      await eventually(() => frames(inbox, round).length >= 510);
      assert.deepEqual(frames(inbox, round).sort(), expected(round, 51).sort(), `round ${round}: ${frames(inbox, round).length} of 510 delivered`);
    }
  });

  it('delivers what was queued for the offline gateway after a restart, all of it, each device in order, and once', async () => {
    const first = await connect(GATEWAY);
    assert.deepEqual(await subscribeCodes(first, ['plc/+/cycle']), [1]);
    await endAll(opened.pop());
    await publishFrames(await connectDevices(), 30, 'q');

    await restart();
    const gateway = await connect(GATEWAY);
    const inbox = collect(gateway);
    await eventually(() => frames(inbox, 'q').length >= 300);
    await new Promise((r) => setTimeout(r, 200)); // and nothing twice
    const received = frames(inbox, 'q');
    assert.equal(received.length, 300);
    assert.deepEqual(byDevice(received), byDevice(expected('q', 30)));

    // Acknowledged after the restart: gone from the disk too.
    await acksWritten(gateway);
    await restart();
    assert.deepEqual(await deliveredOnReconnect(), []);
  });

  it('does not deliver again after a restart what the gateway acknowledged before it', async () => {
    const gateway = await connect(GATEWAY);
    assert.deepEqual(await subscribeCodes(gateway, ['plc/+/cycle']), [1]);
    const inbox = collect(gateway);
    await publishFrames(await connectDevices(), 20, 'live');
    assert.ok(await eventually(() => frames(inbox, 'live').length >= 200));
    await acksWritten(gateway);

    await restart();
    assert.deepEqual(await deliveredOnReconnect(), []);
  });

  it('forgets a persistent session on disk once it is resumed with a clean session', async () => {
    const first = await connect(GATEWAY);
    assert.deepEqual(await subscribeCodes(first, ['plc/+/cycle']), [1]);
    await endAll(opened.pop());
    await publishFrames(await connectDevices(), 3, 'dropped');
    const clean = await connect({ ...GATEWAY, clean: true }); // discards the session and its queue (MQTT-3.1.2-6)
    await endAll(clean);

    await restart();
    const again = await connect(GATEWAY);
    const inbox = collect(again);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(inbox.messages, []);
    const [d1] = await connectDevices();
    await d1!.publishAsync('plc/1/cycle', 'not subscribed', { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(inbox.messages, [], 'the subscription came back');
  });
});
