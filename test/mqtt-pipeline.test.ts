import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { createDeviceSender, sampleNormalCycle, systemRandom, TOPICS, type DeviceCredentials } from '@typedcluster/core';
import { startMosquitto, type RunningMosquitto } from './support/mosquitto.js';
import { settledPhaseRows, simulate } from './support/mqtt-run.js';
import { createTestHome, startTestPlatform, type TestPlatform } from './support/test-platform.js';

async function provisionPlcs(provision: (name: string) => Promise<DeviceCredentials>, n: number): Promise<DeviceCredentials[]> {
  const out: DeviceCredentials[] = [];
  for (let i = 1; i <= n; i++) out.push(await provision(`plc-${i}`)); // ids are allocated one at a time
  return out;
}

describe('MQTT: simulator → broker → connector → functions → PostgreSQL @integration', function () {
  this.timeout(180_000);

  describe('with the embedded broker', () => {
    let tp: TestPlatform;
    before(async () => (tp = await startTestPlatform()));
    after(() => tp?.stop());

    it('10 PLCs × 50 cycles store exactly 2,500 phase rows, none duplicated', async () => {
      const devices = await provisionPlcs(tp.provision, 10);
      const sim = await simulate(tp.platform.broker.url, tp.home, devices, 50, 3000);
      try {
        await sim.generated;
        assert.ok(await sim.drained(90_000), 'every frame was acknowledged by the broker');
        const ids = devices.map((d) => d.deviceId);
        assert.deepEqual(await settledPhaseRows(tp.platform.database.db, ids, 2500), { rows: 2500, distinct: 2500 });
        assert.equal(sim.stats.refused, 0);
      } finally {
        await sim.stop();
      }
    });

    it('refuses a device publishing under another device\'s topic: nothing of it is stored', async () => {
      const [a, b] = await provisionPlcs((n) => tp.provision(`acl-${n}`), 2);
      const client = await mqtt.connectAsync(tp.platform.broker.url, { username: String(a!.deviceId), password: a!.mqttPassword ?? '', clientId: `device-${a!.deviceId}`, reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const sender = createDeviceSender({ credentials: a!, random: systemRandom, now: Date.now });
      // Well-formed, correctly sealed frames of device a, on device b's topic.
      client.publish(TOPICS.plcCycle(b!.deviceId), Buffer.from(sender.sessionFrame()), { qos: 1 });
      client.publish(TOPICS.plcCycle(b!.deviceId), Buffer.from(sender.cycleFrame({ cycleStart: Date.now(), cycle: 1, phases: sampleNormalCycle(Math.random) })), { qos: 1 });
      await closed; // the embedded broker drops a client that publishes outside its ACL
      client.end(true);
      await new Promise((r) => setTimeout(r, 500));
      const stored = await tp.platform.database.db.query<{ n: string }>('SELECT count(*) AS n FROM frames WHERE device_id = $1', [a!.deviceId]);
      assert.equal(stored.rows[0]?.n, '0');
      const metrics = await (await fetch(`${tp.platform.gateway.url}/metrics`)).text();
      assert.match(metrics, /typedcluster_broker_refused_total\{reason="acl_publish"\} [1-9]/);
    });
  });

  describe('with Debian\'s Mosquitto', () => {
    let tp: TestPlatform | undefined;
    let mosquitto: RunningMosquitto | undefined;
    let devices: DeviceCredentials[] = [];
    before(async function () {
      const home = await createTestHome();
      devices = await provisionPlcs(home.provision, 10);
      try {
        mosquitto = await startMosquitto({
          users: devices.map((d) => ({ username: String(d.deviceId), password: d.mqttPassword ?? '' })),
          gatewayPassword: home.secrets.mqttGatewayPassword,
          functionPasswords: home.secrets.mqttFunctionPasswords,
        });
      } catch (e) {
        await home.remove();
        console.warn(`    Mosquitto unavailable, pending: ${(e as Error).message.split('\n')[0]}`);
        this.skip();
      }
      tp = await startTestPlatform({ home, env: { MQTT_URL: mosquitto.url } });
    });
    after(async () => {
      await tp?.stop();
      await mosquitto?.stop();
    });

    it('10 PLCs × 50 cycles store exactly 2,500 phase rows, none duplicated', async () => {
      const sim = await simulate(mosquitto!.url, tp!.home, devices, 50, 3000);
      try {
        await sim.generated;
        assert.ok(await sim.drained(90_000), 'every frame was acknowledged by Mosquitto');
        assert.deepEqual(await settledPhaseRows(tp!.platform.database.db, devices.map((d) => d.deviceId), 2500), { rows: 2500, distinct: 2500 });
      } finally {
        await sim.stop();
      }
    });
  });
});
