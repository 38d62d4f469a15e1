import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createLogger, ok, StartupError } from '@typedcluster/core';
import type { MqttClient } from 'mqtt';
import type { RefusalReason } from './refusal.js';
import { startBroker, type RunningBroker } from './start-broker.js';
import { closesWithin, collect, connectClient, connectPacket, endAll, mustConnect, sendRaw, subscribeCodes, type Inbox } from './testing/mqtt-test-clients.js';

/** Device logins from a map: our own DeviceAuthenticator interface, not a production component. */
const PASSWORDS = new Map([
  ['7', 'password-of-device-7'],
  ['8', 'password-of-device-8'],
]);
const authenticate = async (u: string, p: string) => ok(PASSWORDS.get(u) === p ? Number(u) : undefined);
const GATEWAY = { username: 'gateway', password: 'gateway-secret-123' };
const device = (id: 7 | 8) => ({ username: String(id), password: PASSWORDS.get(String(id))! });
const silent = createLogger('broker', { sink: () => undefined });
const logLines: string[] = [];
const recorded = createLogger('broker', { sink: (l) => logLines.push(l) });

describe('embedded MQTT broker @integration', () => {
  let dir: string;
  let broker: RunningBroker;
  let gateway: MqttClient;
  let inbox: Inbox;
  const open: MqttClient[] = [];
  const refused = (r: RefusalReason) => broker.metrics.refusedCount(r);
  /** Connects a device; the test closes it in afterEach. */
  const deviceClient = async (id: 7 | 8) => {
    const c = await mustConnect(broker.url, device(id));
    open.push(c);
    return c;
  };
  /** Proves a message never arrived: a later allowed message from device 8 arrives and `topic` is not among what came. */
  const assertNeverDelivered = async (payload: string) => {
    const sentinel = `sentinel-${Math.random()}`;
    await (await deviceClient(8)).publishAsync('plc/8/cycle', sentinel, { qos: 1 });
    await inbox.waitFor((m) => m.payload.toString() === sentinel);
    assert.equal(inbox.messages.filter((m) => m.payload.toString() === payload).length, 0, `${payload} was delivered`);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-broker-'));
    broker = await startBroker({ port: 0, persistenceDir: join(dir, 'mqtt'), authenticate, gatewayPassword: GATEWAY.password, log: recorded });
    gateway = await mustConnect(broker.url, { ...GATEWAY, clientId: 'gateway-connector', clean: false });
    assert.deepEqual(await subscribeCodes(gateway, ['plc/+/cycle', 'sensor/+/reading']), [1, 1]);
    inbox = collect(gateway);
  });
  afterEach(() => endAll(...open.splice(0)));
  after(async () => {
    await endAll(gateway);
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets a device in with its password and refuses a wrong one and anonymous clients, counting both', async () => {
    const before = refused('auth');
    assert.ok((await deviceClient(7)).connected);
    const wrong = await connectClient(broker.url, { username: '7', password: 'password-of-device-8' });
    assert.deepEqual(wrong.ok ? 'connected' : wrong.returnCode, 4);
    const anonymous = await connectClient(broker.url, {});
    assert.deepEqual(anonymous.ok ? 'connected' : anonymous.returnCode, 5);
    const gatewayWrong = await connectClient(broker.url, { username: 'gateway', password: 'guess' });
    assert.deepEqual(gatewayWrong.ok ? 'connected' : gatewayWrong.returnCode, 4);
    assert.equal(refused('auth') - before, 3);
  });

  it("delivers a device's frames on its own topics to the gateway, byte for byte", async () => {
    const d7 = await deviceClient(7);
    const frame = Buffer.from([0x54, 0x43, 1, 2, 0, 255, 0x80]);
    const published = broker.metrics.publishedCount();
    await d7.publishAsync('plc/7/cycle', frame, { qos: 1 });
    await d7.publishAsync('sensor/7/reading', Buffer.from('reading'), { qos: 0 });
    assert.deepEqual((await inbox.waitFor((m) => m.topic === 'plc/7/cycle')).payload, frame);
    assert.equal((await inbox.waitFor((m) => m.topic === 'sensor/7/reading')).payload.toString(), 'reading');
    assert.equal(broker.metrics.publishedCount() - published, 2);
  });

  it("drops a device that publishes on another device's topic, delivers nothing and counts it", async () => {
    const d7 = await deviceClient(7);
    const before = refused('acl_publish');
    d7.publish('plc/8/cycle', 'forged-by-7', { qos: 1 });
    assert.equal(await closesWithin(d7, 3000), true, 'the broker keeps a device that forged a topic');
    assert.equal(refused('acl_publish') - before, 1);
    await assertNeverDelivered('forged-by-7');
  });

  it('refuses unknown topics, QoS 2 and retained messages from a device', async () => {
    const before = refused('acl_publish');
    for (const [topic, qos, retain] of [['plc/7/status', 1, false], ['typedcluster/dead-letter/x', 0, false], ['plc/7/cycle', 2, false], ['plc/7/cycle', 1, true]] as const) {
      const d7 = await deviceClient(7);
      d7.publish(topic, `refused-${topic}-${qos}-${retain}`, { qos, retain });
      assert.equal(await closesWithin(d7, 3000), true, `${topic} qos ${qos} retain ${retain}`);
    }
    assert.equal(refused('acl_publish') - before, 4);
    await assertNeverDelivered('refused-plc/7/cycle-1-true');
  });

  it('refuses every subscription by a device with SUBACK 0x80 and keeps it connected', async () => {
    const d7 = await deviceClient(7);
    const before = refused('acl_subscribe');
    assert.deepEqual(await subscribeCodes(d7, ['plc/7/cycle', '#']), [128, 128]);
    assert.equal(refused('acl_subscribe') - before, 2);
    assert.equal(await closesWithin(d7, 200), false);
    const gw = await mustConnect(broker.url, { ...GATEWAY, clientId: 'gateway-probe' });
    open.push(gw);
    assert.deepEqual(await subscribeCodes(gw, ['#', 'typedcluster/dead-letter/#']), [128, 1]);
  });

  it('drops a client sending a packet over 64 KiB before reading its body, and counts it', async () => {
    const d7 = await deviceClient(7);
    const before = refused('oversize');
    await d7.publishAsync('plc/7/cycle', Buffer.alloc(60 * 1024, 1), { qos: 1 });
    d7.publish('plc/7/cycle', Buffer.alloc(65 * 1024, 2), { qos: 1 });
    assert.equal(await closesWithin(d7, 3000), true);
    assert.equal(refused('oversize') - before, 1);
    await inbox.waitFor((m) => m.payload.length === 60 * 1024);
    assert.equal(inbox.messages.filter((m) => m.payload.length === 65 * 1024).length, 0);
  });

  it('drops and counts malformed packets, whether the guard or the parser finds them', async () => {
    const before = refused('malformed');
    const hello = connectPacket('raw-7', '7', PASSWORDS.get('7')!);
    // A remaining length of 5 bytes (the guard), then a PUBLISH to a wildcard topic (the parser and Aedes).
    const bad = await sendRaw(broker.port, [hello, Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]);
    assert.deepEqual([...bad.received.subarray(0, 4)], [0x20, 2, 0, 0], 'CONNACK accepted, then the drop');
    const topic = Buffer.from('plc/#');
    await sendRaw(broker.port, [hello, Buffer.concat([Buffer.from([0x30, 2 + topic.length + 1, 0, topic.length]), topic, Buffer.from('x')])]);
    await sendRaw(broker.port, [Buffer.from('GET / HTTP/1.1\r\n\r\n')]);
    assert.equal(refused('malformed') - before, 3);
  });

  it("refuses a device taking over the gateway's persistent session and leaves the gateway connected", async () => {
    const taker = await connectClient(broker.url, { ...device(7), clientId: 'gateway-connector', clean: true });
    assert.deepEqual(taker.ok ? 'connected' : taker.returnCode, 2);
    assert.equal(gateway.connected, true);
    await (await deviceClient(7)).publishAsync('plc/7/cycle', 'after-takeover', { qos: 1 });
    await inbox.waitFor((m) => m.payload.toString() === 'after-takeover');
  });

  it('exposes its counters in the registry and logs refusals', async () => {
    const text = await broker.metrics.registry.metrics();
    for (const reason of ['auth', 'acl_publish', 'acl_subscribe', 'oversize', 'malformed']) {
      assert.match(text, new RegExp(`typedcluster_broker_refused_total\\{reason="${reason}"\\} ${refused(reason as RefusalReason)}\\n`));
      assert.ok(refused(reason as RefusalReason) > 0, reason);
    }
    assert.match(text, /typedcluster_broker_clients_connected \d+/);
    assert.match(text, /typedcluster_broker_messages_published_total\{qos="1"\} \d+/);
    assert.ok(logLines.some((l) => / WARN broker: MQTT publish refused clientId=\S+ topic=plc\/8\/cycle qos=1$/.test(l)), logLines.join('\n'));
    assert.ok(logLines.some((l) => / WARN broker: MQTT connection refused .*reason=malformed/.test(l)));
  });

  it('fails to start on a taken port with PORT_IN_USE, and on a store in use with BROKER_DIR_INVALID', async () => {
    const opts = { authenticate, log: silent };
    await assert.rejects(
      startBroker({ ...opts, port: broker.port, persistenceDir: join(dir, 'other') }),
      (e: unknown) => e instanceof StartupError && e.code === 'PORT_IN_USE' && e.message.includes(String(broker.port)) && e.hint.includes('MQTT_PORT'),
    );
    await assert.rejects(
      startBroker({ ...opts, port: 0, persistenceDir: join(dir, 'mqtt') }),
      (e: unknown) => e instanceof StartupError && e.code === 'BROKER_DIR_INVALID' && e.message.includes('another running broker'),
    );
    // The failed start closed what it opened: the other dir can be used now.
    const again = await startBroker({ ...opts, port: 0, persistenceDir: join(dir, 'other') });
    // stop() also ends a connection that never sent CONNECT (Aedes alone would wait 30 s for it).
    const idle = connect({ host: '127.0.0.1', port: again.port });
    await new Promise((r) => idle.once('connect', r));
    const closed = new Promise((r) => idle.once('close', r));
    const t0 = Date.now();
    await again.stop();
    await closed;
    assert.ok(Date.now() - t0 < 2000, `stop took ${Date.now() - t0} ms`);
  });
});
