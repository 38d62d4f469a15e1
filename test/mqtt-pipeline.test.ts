import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { createDeviceSender, joinFrames, sampleNormalCycle, systemRandom, TOPICS, type DeviceCredentials } from '@typedcluster/core';
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

    it('stores every frame of bundles (several frames in one message, wire-format §6.5) once, and dead-letters a bundle with a forged frame while keeping its good ones', async () => {
      const [plc] = await provisionPlcs((n) => tp.provision(`bundle-${n}`), 1);
      const [forger] = await provisionPlcs((n) => tp.provision(`bundle-forger-${n}`), 1);
      const client = await mqtt.connectAsync(tp.platform.broker.url, { username: String(plc!.deviceId), password: plc!.mqttPassword ?? '', clientId: `device-${plc!.deviceId}`, reconnectPeriod: 0 });
      const dead = await mqtt.connectAsync(tp.platform.broker.url, { username: 'gateway', password: tp.platform.secrets.mqttGatewayPassword, clientId: 'bundle-dead-letters', reconnectPeriod: 0 });
      const letters: Array<{ code: string; reason: string }> = [];
      dead.on('message', (_t, m) => letters.push(JSON.parse(m.toString()) as { code: string; reason: string }));
      await dead.subscribeAsync('typedcluster/dead-letter/#', { qos: 1 });
      try {
        const sender = createDeviceSender({ credentials: plc!, random: systemRandom, now: Date.now });
        const cycle = (n: number) => sender.cycleFrame({ cycleStart: Date.UTC(2026, 0, 1) + n * 30_000, cycle: n, phases: sampleNormalCycle(Math.random) });
        const topic = TOPICS.plcCycle(plc!.deviceId);
        // The session and 20 cycles in one bundle, then 3 bundles of 10, one of them sent twice.
        await client.publishAsync(topic, Buffer.from(joinFrames([sender.sessionFrame(), ...Array.from({ length: 20 }, (_, i) => cycle(i))])), { qos: 1 });
        const bundles = [0, 1, 2].map((b) => Buffer.from(joinFrames(Array.from({ length: 10 }, (_, i) => cycle(20 + b * 10 + i)))));
        for (const b of [...bundles, bundles[1]!]) await client.publishAsync(topic, b, { qos: 1 });
        // A frame of another device (sealed with its own key) inside this device's bundle: refused by verification.
        const other = createDeviceSender({ credentials: forger!, random: systemRandom, now: Date.now });
        await client.publishAsync(topic, Buffer.from(joinFrames([cycle(50), other.cycleFrame({ cycleStart: Date.now(), cycle: 1, phases: sampleNormalCycle(Math.random) }), cycle(51)])), { qos: 1 });
        assert.deepEqual(await settledPhaseRows(tp.platform.database.db, [plc!.deviceId], 52 * 5), { rows: 52 * 5, distinct: 52 * 5 });
        const deadline = Date.now() + 20_000;
        while (letters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.equal(letters.length, 1, 'one dead letter: the bundle with the stranger\'s frame');
        assert.match(letters[0]!.reason, /^frame 2 of 3/);
      } finally {
        client.end(true);
        dead.end(true);
      }
    });

    it('scores the text stage through the connector\'s JSON batches: a report for each injected anomaly, none for normal cycles', async () => {
      const plcs = await provisionPlcs((n) => tp.provision(`detect-${n}`), 3);
      const anomalous = new Set([4, 11, 23]);
      const T0 = Date.UTC(2026, 0, 2);
      const clients = await Promise.all(plcs.map((p) => mqtt.connectAsync(tp.platform.broker.url, { username: String(p.deviceId), password: p.mqttPassword ?? '', clientId: `device-${p.deviceId}`, reconnectPeriod: 0 })));
      try {
        await Promise.all(
          plcs.map(async (plc, k) => {
            const sender = createDeviceSender({ credentials: plc, random: systemRandom, now: Date.now });
            // s3 at 90 in phase 3 (normal: 20..30) on the anomalous cycles.
            const phases = (n: number) => sampleNormalCycle(Math.random).map((p, i) => (anomalous.has(n) && i === 2 ? p.map((v, s) => (s === 2 ? 90 : v)) : p));
            const frames = [sender.sessionFrame(), ...Array.from({ length: 30 }, (_, n) => sender.cycleFrame({ cycleStart: T0 + n * 30_000, cycle: n, phases: phases(n) }))];
            // Bundles of 4 and single frames mixed, so text-stage messages of several records meet in batches.
            for (let at = 0; at < frames.length; at += k === 0 ? 1 : 4) await clients[k]!.publishAsync(TOPICS.plcCycle(plc.deviceId), Buffer.from(joinFrames(frames.slice(at, at + (k === 0 ? 1 : 4)))), { qos: 1 });
          }),
        );
        const ids = plcs.map((p) => p.deviceId);
        const expected = ids.flatMap((id) => [...anomalous].map((n) => `${id}:${n}`)).sort();
        const deadline = Date.now() + 60_000;
        let got: string[] = [];
        while (Date.now() < deadline) {
          const r = await tp.platform.database.db.query<{ k: string }>("SELECT plc_id || ':' || cycle_no AS k FROM anomaly_reports WHERE plc_id = ANY($1) ORDER BY 1", [ids]);
          got = r.rows.map((row) => row.k).sort();
          if (got.length >= expected.length) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.deepEqual(got, expected);
        const metrics = await (await fetch(`${tp.platform.gateway.url}/metrics`)).text();
        assert.match(metrics, /typedcluster_mqtt_messages_total\{function_name="detect-anomaly",outcome="done"\} [1-9]/);
        assert.doesNotMatch(metrics, /typedcluster_mqtt_dead_letters_total\{function_name="detect-anomaly"[^}]*\} [1-9]/);
      } finally {
        for (const c of clients) c.end(true);
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
