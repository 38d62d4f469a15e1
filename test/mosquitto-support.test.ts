import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { MqttClient } from 'mqtt';
import { closesWithin, collect, connectClient, endAll, mustConnect, subscribeCodes, type Inbox } from '../broker/src/testing/mqtt-test-clients.js';
import { ensureMosquitto, startMosquitto, type RunningMosquitto } from './support/mosquitto.js';

const USERS = [
  { username: '7', password: 'password-of-device-7' },
  { username: '8', password: 'password-of-device-8' },
];
const GATEWAY = { username: 'gateway', password: 'gateway-secret-123' };
const FUNCTIONS = { 'store-reading': 'store-reading-secret-1', 'detect-anomaly': 'detect-anomaly-secret-1' };

/**
 * test/support/mosquitto.ts: Debian's Mosquitto with the users and ACL of
 * docs/topics.md, so integration tests can run once against it too. Where
 * it cannot be installed (not root, no apt) the suite is pending, saying why.
 */
describe('Mosquitto test support @integration', function () {
  let mosquitto: RunningMosquitto | undefined;
  let gateway: MqttClient;
  let inbox: Inbox;
  const open: MqttClient[] = [];
  const device = async (i: 0 | 1) => {
    const c = await mustConnect(mosquitto!.url, USERS[i]);
    open.push(c);
    return c;
  };

  before(async function () {
    this.timeout(10 * 60_000);
    try {
      const { installedMs } = ensureMosquitto();
      if (installedMs > 0) console.log(`    installed mosquitto in ${(installedMs / 1000).toFixed(1)} s`);
    } catch (e) {
      console.warn(`    mosquitto unavailable, its checks pending: ${(e as Error).message}`);
      this.skip();
    }
    mosquitto = await startMosquitto({ users: USERS, gatewayPassword: GATEWAY.password, functionPasswords: FUNCTIONS });
    gateway = await mustConnect(mosquitto.url, { ...GATEWAY, clientId: 'gateway-connector', clean: false });
    assert.deepEqual(await subscribeCodes(gateway, ['plc/+/cycle', 'sensor/+/reading', 'readings/+']), [1, 1, 1]);
    inbox = collect(gateway);
  });
  afterEach(() => endAll(...open.splice(0)));
  after(async () => {
    await endAll(gateway);
    await mosquitto?.stop();
  });

  it('starts on 127.0.0.1 and a free port, and refuses anonymous clients and wrong passwords', async () => {
    assert.match(mosquitto!.url, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = await connectClient(mosquitto!.url, {});
    assert.equal(anonymous.ok ? 'connected' : anonymous.returnCode, 5);
    const wrong = await connectClient(mosquitto!.url, { username: '7', password: 'password-of-device-8' });
    assert.equal(wrong.ok ? 'connected' : wrong.returnCode, 5);
  });

  it("delivers a device's own topics to the gateway", async () => {
    const d7 = await device(0);
    await d7.publishAsync('plc/7/cycle', Buffer.from([0x54, 0x43, 1]), { qos: 1 });
    await d7.publishAsync('sensor/7/reading', 'reading', { qos: 1 });
    assert.deepEqual([...(await inbox.waitFor((m) => m.topic === 'plc/7/cycle')).payload], [0x54, 0x43, 1]);
    await inbox.waitFor((m) => m.topic === 'sensor/7/reading');
  });

  it("never delivers a device's publish on another device's topic (Mosquitto acknowledges it and keeps the client)", async () => {
    const d7 = await device(0);
    await d7.publishAsync('plc/8/cycle', 'forged-by-7', { qos: 1 }); // PUBACK comes, as MQTT 3.1.1 has no "no"
    await d7.publishAsync('plc/7/status', 'unknown-topic', { qos: 1 });
    assert.equal(await closesWithin(d7, 200), false);
    await (await device(1)).publishAsync('plc/8/cycle', 'sentinel', { qos: 1 });
    await inbox.waitFor((m) => m.payload.toString() === 'sentinel');
    assert.deepEqual(inbox.messages.filter((m) => ['forged-by-7', 'unknown-topic'].includes(m.payload.toString())), []);
  });

  it('gives a device nothing through a subscription', async () => {
    const d7 = await device(0);
    const spy = collect(d7);
    const codes = await subscribeCodes(d7, ['plc/8/cycle']);
    await (await device(1)).publishAsync('plc/8/cycle', 'for-the-gateway-only', { qos: 1 });
    await inbox.waitFor((m) => m.payload.toString() === 'for-the-gateway-only');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(spy.messages, [], `suback ${codes.join(',')}`);
  });

  it('lets store-reading publish the text stage and detect-anomaly its reports, nothing else', async () => {
    const store = await mustConnect(mosquitto!.url, { username: 'store-reading', password: FUNCTIONS['store-reading'] });
    const detect = await mustConnect(mosquitto!.url, { username: 'detect-anomaly', password: FUNCTIONS['detect-anomaly'] });
    open.push(store, detect);
    const reports = collect(gateway);
    const watcher = await mustConnect(mosquitto!.url, { ...GATEWAY, clientId: 'report-watcher' });
    open.push(watcher);
    // The gateway user may not read reports; a second gateway session shows only what it may.
    await subscribeCodes(watcher, ['anomaly/+/report']);
    const watched = collect(watcher);
    await detect.publishAsync('readings/7', 'forged-by-detect', { qos: 1 });
    await store.publishAsync('anomaly/7/report', 'forged-by-store', { qos: 1 });
    await detect.publishAsync('anomaly/7/report', 'report-7', { qos: 1 });
    await store.publishAsync('readings/7', 'text-7', { qos: 1 });
    await reports.waitFor((m) => m.topic === 'readings/7' && m.payload.toString() === 'text-7');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(reports.messages.filter((m) => m.payload.toString().startsWith('forged')), []);
    assert.deepEqual(watched.messages, [], 'the gateway user reads no reports');
    const wrong = await connectClient(mosquitto!.url, { username: 'store-reading', password: FUNCTIONS['detect-anomaly'] });
    assert.equal(wrong.ok ? 'connected' : wrong.returnCode, 5);
  });

  it('disconnects a client sending a packet over 64 KiB', async () => {
    const d7 = await device(0);
    d7.publish('plc/7/cycle', Buffer.alloc(65 * 1024), { qos: 1 });
    assert.equal(await closesWithin(d7, 3000), true);
  });

  it("keeps the gateway's queued QoS 1 messages across restart()", async () => {
    await endAll(gateway);
    const d7 = await device(0);
    for (let i = 0; i < 5; i++) await d7.publishAsync('plc/7/cycle', `queued-${i}`, { qos: 1 });
    await endAll(...open.splice(0));
    await mosquitto!.restart();
    gateway = await mustConnect(mosquitto!.url, { ...GATEWAY, clientId: 'gateway-connector', clean: false });
    inbox = collect(gateway);
    await inbox.waitFor(() => inbox.messages.length >= 5);
    assert.deepEqual(inbox.messages.map((m) => m.payload.toString()), [0, 1, 2, 3, 4].map((i) => `queued-${i}`));
  });

  it('stops cleanly: the port is closed afterwards and a second stop is harmless', async () => {
    await endAll(gateway);
    await mosquitto!.stop();
    await mosquitto!.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: mosquitto!.port });
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    assert.equal(refused, true);
  });
});
