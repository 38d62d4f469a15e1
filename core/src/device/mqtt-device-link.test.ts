import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlainBroker } from '../testing/plain-broker.js';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import { freePort } from '../db/free-port.js';
import { TOPICS } from '../mqtt/topics.js';
import { splitFrames } from '../wire/stream-framing.js';
import { startMqttDeviceLink } from './mqtt-device-link.js';
import type { MqttDeviceLink } from './mqtt-device-link.js';
import { openOutbox } from './outbox.js';
import type { Outbox } from './outbox.js';

/**
 * A real, plain (no auth) aedes broker on a fixed port. `gate` holds device
 * connections until it resolves; `holdFrom` makes the broker sit on
 * publishes from that frame number on (no PUBACK), as a broker about to die does.
 */
async function startBroker(port: number, o: { gate?: Promise<void>; holdFrom?: number } = {}) {
  const { gate, holdFrom } = o;
  return startPlainBroker(port, {
    preConnect: (_client, packet, cb) => void (gate && packet.clientId.startsWith('device-') ? gate.then(() => cb(null, true)) : cb(null, true)),
    authorizePublish: (_client, packet, cb) => {
      if (holdFrom !== undefined && Buffer.from(packet.payload).readUInt32BE(0) >= holdFrom) return; // never answered
      cb(null);
    },
  });
}

const frame = (i: number) => {
  const f = new Uint8Array(24);
  new DataView(f.buffer).setUint32(0, i);
  return f;
};

/** Starts like a real frame ("TC", wire-format §2.1), so a bundle can be told from it; its number at offset 2. */
const tcFrame = (i: number) => {
  const f = new Uint8Array(24);
  f.set([0x54, 0x43]);
  new DataView(f.buffer).setUint32(2, i);
  return f;
};

/** A subscriber to plc/+/cycle recording the frame numbers in the order they arrive. */
async function subscribe(url: string): Promise<{ client: MqttClient; got: number[]; subscribed: () => Promise<void> }> {
  const got: number[] = [];
  const client = connect(url, { clientId: `test-sub-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 50, clean: true });
  let onSub: () => void = () => {};
  let subscribedOnce = new Promise<void>((r) => (onSub = r));
  client.on('connect', () => {
    client.subscribe('plc/+/cycle', { qos: 1 }, () => onSub());
  });
  client.on('message', (_t, payload) => got.push(payload.readUInt32BE(0)));
  client.on('error', () => {});
  await subscribedOnce;
  return {
    client,
    got,
    subscribed: () => {
      subscribedOnce = new Promise<void>((r) => (onSub = r));
      return subscribedOnce;
    },
  };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const firstDeliveries = (got: number[]) => got.filter((x, i) => got.indexOf(x) === i);

describe('MQTT device link over a real broker @integration', function () {
  this.timeout(20_000);
  let root: string;
  let n = 0;
  const toClose: Array<() => Promise<unknown>> = [];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tc-link-'));
  });
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c().catch(() => {});
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const setup = async (port: number, outbox?: Outbox, bundleMax?: number) => {
    const box = outbox ?? (await openOutbox(join(root, `dev-${n++}`)));
    const link: MqttDeviceLink = startMqttDeviceLink({
      url: `mqtt://127.0.0.1:${port}`,
      credentials: { deviceId: 7, mqttPassword: 'p'.repeat(24) },
      topic: TOPICS.plcCycle(7),
      outbox: box,
      maxInFlight: 8,
      backoff: { minMs: 20, maxMs: 200 },
      ...(bundleMax === undefined ? {} : { bundleMax }),
    });
    toClose.push(() => box.close(), () => link.close(100));
    return { box, link };
  };

  it('delivers 100 frames in order with QoS 1 and empties the outbox', async () => {
    const port = await freePort();
    const broker = await startBroker(port);
    toClose.push(() => broker.kill());
    const sub = await subscribe(`mqtt://127.0.0.1:${port}`);
    toClose.push(() => sub.client.endAsync(true));
    const { box, link } = await setup(port);
    for (let i = 0; i < 100; i++) {
      assert.ok((await box.append(frame(i))).ok);
      link.notify();
    }
    assert.equal(await link.drained(10_000), true);
    await until(() => sub.got.length >= 100, '100 messages');
    assert.deepEqual(sub.got, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(box.size, 0);
    assert.equal(link.stats.published, 100);
    assert.equal(link.stats.connected, true);
  });

  it('sends a backlog as bundles of at most bundleMax frames (wire-format §6.5), in order, and a lone new frame alone', async () => {
    const port = await freePort();
    const broker = await startBroker(port);
    toClose.push(() => broker.kill());
    const sub = await subscribe(`mqtt://127.0.0.1:${port}`);
    toClose.push(() => sub.client.endAsync(true));
    const messages: number[][] = [];
    sub.client.on('message', (_t, payload) => {
      const split = payload[0] === 0 ? splitFrames(payload) : undefined;
      messages.push(split?.ok ? split.value.frames.map((f) => Buffer.from(f).readUInt32BE(2)) : [payload.readUInt32BE(2)]);
    });
    const box = await openOutbox(join(root, `dev-${n++}`));
    for (let i = 0; i < 23; i++) assert.ok((await box.append(tcFrame(i))).ok);
    const { link } = await setup(port, box, 5);
    assert.equal(await link.drained(10_000), true);
    await until(() => messages.flat().length >= 23, 'the backlog');
    assert.deepEqual(messages.flat(), Array.from({ length: 23 }, (_, i) => i), 'every frame once, in order');
    assert.ok(messages.length < 23 && messages.every((m) => m.length <= 5), `bundles of at most 5: ${JSON.stringify(messages)}`);
    assert.ok((await box.append(tcFrame(23))).ok);
    link.notify();
    await until(() => messages.flat().length >= 24, 'the new frame');
    assert.deepEqual(messages.at(-1), [23]);
    assert.equal(link.stats.published, 24);
  });

  it('buffers while the broker is down and delivers everything, in order, when it is back', async () => {
    const port = await freePort();
    // Frames 0..19 are taken; from frame 20 on the broker answers nothing, then dies abruptly.
    let broker = await startBroker(port, { holdFrom: 20 });
    const sub = await subscribe(`mqtt://127.0.0.1:${port}`);
    toClose.push(() => sub.client.endAsync(true));
    const box = await openOutbox(join(root, `dev-${n++}`));
    for (let i = 0; i < 50; i++) assert.ok((await box.append(frame(i))).ok);
    const { link } = await setup(port, box);
    await until(() => sub.got.length >= 20 && link.stats.inFlight === 8, 'frames 0..19 delivered and 8 more in flight');
    await broker.kill();
    assert.equal(box.size, 30, 'the outbox holds exactly what the broker did not acknowledge');
    for (let i = 50; i < 100; i++) {
      assert.ok((await box.append(frame(i))).ok);
      link.notify();
    }
    await until(() => !link.stats.connected, 'the link to notice');
    await new Promise((r) => setTimeout(r, 150)); // a few failed reconnects
    assert.equal(box.size, 80, 'nothing is lost while the broker is away');
    // Same port, fresh broker; the device may connect only once the subscriber is back.
    let openGate: () => void = () => {};
    const gate = new Promise<void>((r) => (openGate = r));
    const resubscribed = sub.subscribed();
    broker = await startBroker(port, { gate });
    toClose.push(() => broker.kill());
    await resubscribed;
    openGate();
    assert.equal(await link.drained(10_000), true, 'everything acknowledged after the broker came back');
    await until(() => new Set(sub.got).size >= 100, 'all 100 frames');
    assert.deepEqual(firstDeliveries(sub.got), Array.from({ length: 100 }, (_, i) => i), 'none missing, in order of first delivery');
    assert.ok(link.stats.disconnects >= 1);
  });

  it('resumes after a restart of the device process from the first unacknowledged frame', async () => {
    const port = await freePort();
    const dir = join(root, 'restart');
    // First run: the broker is unreachable; frames pile up in the outbox; the process stops.
    const first = await openOutbox(dir);
    const down = startMqttDeviceLink({ url: `mqtt://127.0.0.1:${port}`, credentials: { deviceId: 7, mqttPassword: 'p'.repeat(24) }, topic: TOPICS.plcCycle(7), outbox: first, backoff: { minMs: 20, maxMs: 50 } });
    for (let i = 0; i < 10; i++) assert.ok((await first.append(frame(i))).ok);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(down.stats.published, 0);
    assert.ok(down.stats.lastError, 'the failure is reported');
    await down.close(50);
    await first.close();
    // Second run: broker up.
    const broker = await startBroker(port);
    toClose.push(() => broker.kill());
    const sub = await subscribe(`mqtt://127.0.0.1:${port}`);
    toClose.push(() => sub.client.endAsync(true));
    const { link } = await setup(port, await openOutbox(dir));
    assert.equal(await link.drained(10_000), true);
    await until(() => sub.got.length >= 10, '10 messages');
    assert.deepEqual(sub.got, Array.from({ length: 10 }, (_, i) => i));
  });

  it('refuses credentials without an MQTT password at start', async () => {
    const box = await openOutbox(join(root, 'nopw'));
    toClose.push(() => box.close());
    assert.throws(
      () => startMqttDeviceLink({ url: 'mqtt://127.0.0.1:1', credentials: { deviceId: 3 }, topic: TOPICS.plcCycle(3), outbox: box }),
      /CONFIG_MISSING|no mqttPassword/,
    );
  });
});
