import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlainBroker } from '../../../core/src/testing/plain-broker.js';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import {
  createLogger,
  createMqttCredentialStore,
  createTestDatabase,
  decodeFrame,
  decodePayload,
  freePort,
  identityKeypairFromSeed,
  kxKeypairFromSeed,
  openData,
  parseCredentials,
  serializeCredentials,
  serverSessionKey,
  sodiumReady,
  TYPICAL_MODEL,
  verifySession,
  type CycleSample,
  type DeviceCredentials,
  type Frame,
  type KeyPair,
} from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';
import { parseSimFlags, runSim, startSimulator } from './sim.js';

describe('typedcluster sim: flags', () => {
  const run = async (...args: string[]) => {
    const io = recordingIo({ TYPEDCLUSTER_HOME: join(tmpdir(), 'tc-sim-never-created') }, tmpdir());
    const code = await runCli(['sim', ...args], io);
    return { code, out: io.outLines, err: io.errLines };
  };

  const bad: Array<[string[], RegExp]> = [
    [['--plcs', '0'], /^error: --plcs 0 is not an integer in 1\.\.1000$/],
    [['--plcs', '1001'], /--plcs 1001 is not an integer in 1\.\.1000/],
    [['--plcs', '2.5'], /--plcs 2\.5 is not an integer/],
    [['--plcs', 'many'], /--plcs many/],
    [['--temperature', '1.5'], /^error: --temperature 1\.5 is not a number in 0\.\.1/],
    [['--temperature=-0.1'], /--temperature -0\.1 is not a number in 0\.\.1/],
    [['--temperature', 'hot'], /--temperature hot/],
    [['--speed', '0'], /^error: --speed 0 is not a number > 0/],
    [['--speed=-2'], /--speed -2 is not a number > 0/],
    [['--speed', 'Infinity'], /--speed Infinity/],
    [['--seed=-1'], /--seed -1 is not an integer in 0\.\.4294967295/],
    [['--seed', '4294967296'], /--seed 4294967296/],
    [['--stream', 'video'], /--stream video is not "cycle" or "reading"/],
    [['--cycles', '0'], /--cycles 0 is not an integer ≥ 1/],
    [['--mqtt-url', 'http://x:1883'], /--mqtt-url http:\/\/x:1883 is not an MQTT URL/],
    [['--mqtt-url', 'nonsense'], /--mqtt-url nonsense is not an MQTT URL/],
    [['--outbox-max-mb', '0'], /--outbox-max-mb 0/],
    [['--start-time', 'yesterday'], /--start-time yesterday is not an ISO 8601 time/],
    [['--replay', 'data', '--cycles', '3'], /^error: --replay sends the whole data set: leave out --cycles$/],
    [['--replay', 'data', '--stream', 'reading'], /^error: --replay replays PLC cycles/],
    [['--replay', 'data', '--start-time', '2026-01-01T00:00:00Z'], /^error: --replay keeps the data set's own times/],
  ];
  for (const [args, expected] of bad) {
    it(`refuses ${args.join(' ')} with one line and exit 2, before touching anything`, async () => {
      const r = await run(...args);
      assert.equal(r.code, 2);
      assert.equal(r.err.length, 1, r.err.join('\n'));
      assert.match(r.err[0]!, expected);
      assert.deepEqual(r.out, []);
    });
  }

  it('refuses an unknown flag', async () => {
    const r = await run('--plc', '3');
    assert.equal(r.code, 2);
    assert.match(r.err[0]!, /Unknown option '--plc'/);
  });

  it('has defaults, and MQTT_URL from the environment', () => {
    const d = parseSimFlags({ plcs: '3', temperature: '0.1', speed: '1', stream: 'cycle', 'outbox-max-mb': '16' }, {});
    assert.deepEqual(d, {
      ok: true,
      value: { plcs: 3, temperature: 0.1, speed: 1, seed: undefined, stream: 'cycle', cycles: undefined, mqttUrl: 'mqtt://127.0.0.1:1883', outboxMaxBytes: 16 * 1024 * 1024, bundle: 1, startTime: undefined, replay: undefined, model: undefined },
    });
    const e = parseSimFlags({ plcs: '3', temperature: '0', speed: '0.5', stream: 'reading', 'outbox-max-mb': '1', seed: '42', 'start-time': '2026-11-21T08:00:00Z' }, { MQTT_URL: 'mqtts://broker:8883' });
    assert.ok(e.ok);
    assert.deepEqual([e.value.mqttUrl, e.value.speed, e.value.seed, e.value.startTime], ['mqtts://broker:8883', 0.5, 42, Date.UTC(2026, 10, 21, 8)]);
    assert.equal(parseSimFlags({ plcs: '3', temperature: '0', speed: '1', stream: 'cycle', 'outbox-max-mb': '1' }, { MQTT_URL: 'ftp://x' }).ok, false);
    const bundled = parseSimFlags({ plcs: '3', temperature: '0', speed: '1', stream: 'cycle', 'outbox-max-mb': '1', bundle: '32' }, {});
    assert.equal(bundled.ok && bundled.value.bundle, 32);
    assert.deepEqual(parseSimFlags({ plcs: '3', temperature: '0', speed: '1', stream: 'cycle', 'outbox-max-mb': '1', bundle: '0' }, {}), { ok: false, error: 'error: --bundle 0 is not a whole number 1..500' });
    const embedded = parseSimFlags({ plcs: '3', temperature: '0', speed: '1', stream: 'cycle', 'outbox-max-mb': '1' }, { MQTT_PORT: '18830' });
    assert.equal(embedded.ok && embedded.value.mqttUrl, 'mqtt://127.0.0.1:18830', 'the embedded broker of typedcluster up');
  });

  it('--help lists every flag with its default', async () => {
    const r = await run('--help');
    assert.equal(r.code, 0);
    const text = r.out.join('\n');
    for (const flag of ['--plcs <value>', '--temperature <value>', '--speed <value>', '--seed <value>', '--stream <value>', '--cycles <value>', '--mqtt-url <value>']) {
      assert.ok(text.includes(flag), `--help lacks ${flag}`);
    }
    assert.match(text, /\(default 3\)/);
    assert.match(text, /\(default 0\.1\)/);
    assert.match(text, /outbox/);
  });
});

// ---- against a real broker ------------------------------------------------

const startBroker = (port: number) => startPlainBroker(port);


interface Received {
  readonly topic: string;
  readonly frame: Frame;
}

async function subscribe(url: string, filter: string): Promise<{ client: MqttClient; got: Received[] }> {
  const got: Received[] = [];
  const client = connect(url, { clientId: `sim-test-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
  client.on('message', (topic, payload) => {
    const f = decodeFrame(new Uint8Array(payload));
    if (!f.ok) throw new Error(`undecodable frame on ${topic}: ${f.error.code}`);
    got.push({ topic, frame: f.value });
  });
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(filter, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    client.once('error', reject);
  });
  return { client, got };
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0);

describe('typedcluster sim against a real broker @integration', function () {
  this.timeout(30_000);
  let home: string;
  let platform: KeyPair;
  const log = createLogger('sim-test', { level: 'error', sink: () => {} });
  const cleanup: Array<() => Promise<unknown>> = [];
  const device = (id: number, name: string): DeviceCredentials => {
    const idKeys = identityKeypairFromSeed(new Uint8Array(32).fill(id));
    return { version: 1, deviceId: id, name, identitySecretKey: idKeys.secretKey, identityPublicKey: idKeys.publicKey, platformPublicKey: platform.publicKey, mqttPassword: `pw-${name}-0123456789abcdef` };
  };

  before(async () => {
    await sodiumReady();
    platform = kxKeypairFromSeed(new Uint8Array(32).fill(200));
    home = await mkdtemp(join(tmpdir(), 'tc-sim-'));
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  /** What the platform does with a device's frames: open the session, then decrypt and decode each cycle. */
  const openCycles = (creds: DeviceCredentials, frames: Frame[]) => {
    const keys = new Map<number, Uint8Array>();
    const cycles: Array<{ cycleStart: number; cycle: number; phases: number[][] }> = [];
    for (const f of frames) {
      if (f.type === 'session') {
        const v = verifySession(f, creds.identityPublicKey);
        assert.ok(v.ok, 'the session frame verifies with the identity key');
        const k = serverSessionKey(platform, v.value.ephemeralPublicKey);
        assert.ok(k.ok);
        keys.set(f.keyId, k.value);
        continue;
      }
      const key = keys.get(f.keyId);
      assert.ok(key, 'a data frame comes after the SESSION frame that opens its key');
      const plain = openData(f, key);
      assert.ok(plain.ok);
      const p = decodePayload('cycle', f.deviceId, plain.value);
      assert.ok(p.ok && p.value.type === 'cycle');
      cycles.push({ cycleStart: p.value.cycleStart, cycle: p.value.cycle, phases: p.value.phases.map((r) => [...r]) });
    }
    return cycles;
  };

  it('startSimulator: each PLC opens a session, then publishes sealed cycles the platform can open, with the values generated', async () => {
    const port = await freePort();
    const broker = await startBroker(port);
    cleanup.push(() => broker.kill());
    const sub = await subscribe(`mqtt://127.0.0.1:${port}`, 'plc/+/cycle');
    cleanup.push(() => sub.client.endAsync(true));
    const devices = [device(41, 'sim-plc-1'), device(42, 'sim-plc-2')];
    const samples = new Map<number, CycleSample[]>();
    const s = await startSimulator({
      mqttUrl: `mqtt://127.0.0.1:${port}`, devices, outboxRoot: join(home, 'outbox-a'), stream: 'cycle',
      temperature: 0, speed: 3000, seed: 7, cycles: 4, startTime: T0, log,
      onSample: (d, sample) => void samples.set(d.deviceId, [...(samples.get(d.deviceId) ?? []), sample as CycleSample]),
    });
    cleanup.push(() => s.stop());
    await s.generated;
    assert.equal(await s.drained(10_000), true);
    await until(() => sub.got.length >= 10, '2 × (1 session + 4 cycles)');
    for (const d of devices) {
      const mine = sub.got.filter((g) => g.topic === `plc/${d.deviceId}/cycle`).map((g) => g.frame);
      assert.equal(mine[0]?.type, 'session', 'the first frame of a device process is its SESSION frame');
      const seqs = mine.map((f) => f.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => (a < b ? -1 : 1)), 'seq increases');
      const opened = openCycles(d, mine);
      assert.deepEqual(opened.map((c) => c.cycleStart - T0), [-30_000, 0, 30_000, 60_000]);
      const generated = samples.get(d.deviceId)!;
      assert.deepEqual(opened.map((c) => c.phases), generated.map((g) => g.phases.map((r) => r.map(Math.fround))), 'what arrives is what was generated');
      for (const c of opened) c.phases.forEach((row, p) => row.forEach((v, sn) => {
        const [min, max] = TYPICAL_MODEL[sn]![p]!;
        assert.ok(v >= min && v <= max);
      }));
    }
    const st = s.stats;
    assert.deepEqual([st.generated, st.published, st.buffered, st.refused, st.connected, st.devices], [8, 10, 0, 0, 2, 2]);
  });

  it('nothing generated is lost: frames buffered while the broker is down, across a restart of the simulator, go out first and in order', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const devices = [device(51, 'sim-plc-1')];
    const outboxRoot = join(home, 'outbox-b');
    // Run 1: no broker. 3 cycles generated, all stay in the outbox.
    const first = await startSimulator({ mqttUrl: url, devices, outboxRoot, stream: 'cycle', temperature: 0.5, speed: 3000, seed: 1, cycles: 3, startTime: T0, log });
    await first.generated;
    assert.deepEqual([first.stats.generated, first.stats.buffered, first.stats.published, first.stats.connected], [3, 4, 0, 0]);
    await first.stop();
    // Run 2: the broker is up.
    const broker = await startBroker(port);
    cleanup.push(() => broker.kill());
    const sub = await subscribe(url, 'plc/+/cycle');
    cleanup.push(() => sub.client.endAsync(true));
    const second = await startSimulator({ mqttUrl: url, devices, outboxRoot, stream: 'cycle', temperature: 0.5, speed: 3000, seed: 1, cycles: 2, startTime: T0 + 10 * 30_000, log });
    cleanup.push(() => second.stop());
    await second.generated;
    assert.equal(await second.drained(10_000), true);
    await until(() => sub.got.length >= 7, '4 old + 3 new frames');
    const frames = sub.got.map((g) => g.frame);
    assert.deepEqual(frames.map((f) => f.type), ['session', 'cycle', 'cycle', 'cycle', 'session', 'cycle', 'cycle']);
    const opened = openCycles(devices[0]!, frames);
    assert.deepEqual(opened.map((c) => (c.cycleStart - T0) / 30_000), [-1, 0, 1, 9, 10]);
    assert.ok(frames.every((f, i) => i === 0 || f.seq > frames[i - 1]!.seq), 'seq keeps increasing across the restart');
  });

  it('a full outbox refuses frames loudly and the command exits 1', async () => {
    const port = await freePort(); // nothing listens: the broker is down
    const devicesDir = join(home, 'devices');
    await mkdir(devicesDir, { recursive: true });
    await writeFile(join(devicesDir, 'sim-plc-1.json'), serializeCredentials(device(61, 'sim-plc-1')), { mode: 0o600 });
    const io = recordingIo({ TYPEDCLUSTER_HOME: home }, home);
    const stop = new AbortController();
    const out = io.out;
    const watched = { ...io, out: (l: string) => (out(l), /waiting for the broker/.test(l) && stop.abort()) };
    // 1 KiB holds the SESSION frame and 4 cycles (8 + 124 + 4 × (8 + 174) bytes); the 5th and 6th are refused.
    const flags = { plcs: '1', temperature: '0.1', speed: '3000', stream: 'cycle', cycles: '6', 'mqtt-url': `mqtt://127.0.0.1:${port}`, 'outbox-max-mb': String(1 / 1024), seed: '5' };
    const code = await runSim(flags, watched, stop.signal);
    assert.equal(code, 1);
    assert.ok(io.errLines.some((l) => /FRAME REFUSED, NOT SENT: error OUTBOX_FULL: outbox .* is full/.test(l)), io.errLines.join('\n'));
    assert.match(io.errLines.at(-1)!, /^error OUTBOX_FULL: 2 frames were refused/);
    assert.match(io.outLines.at(-1)!, /^sim: 6 cycles generated .* 0 frames published, 5 buffered in outboxes, 0\/1 connected, 2 REFUSED \(outbox full\)$/);
  });

  it('the command provisions its devices with MQTT passwords in the platform database, then reuses the files', async () => {
    const t = await createTestDatabase('cli_sim');
    cleanup.push(() => t.drop());
    const port = await freePort();
    const broker = await startBroker(port);
    cleanup.push(() => broker.kill());
    const simHome = await mkdtemp(join(tmpdir(), 'tc-sim-db-'));
    cleanup.push(() => rm(simHome, { recursive: true, force: true }));
    const args = ['sim', '--plcs', '2', '--speed', '3000', '--cycles', '2', '--mqtt-url', `mqtt://127.0.0.1:${port}`, '--seed', '3'];
    const first = recordingIo({ TYPEDCLUSTER_HOME: simHome, DATABASE_URL: t.url }, simHome);
    assert.equal(await runCli(args, first), 0, first.errLines.join('\n'));
    assert.match(first.outLines[0]!, /^provisioned sim-plc-1 \(device \d+\), sim-plc-2 \(device \d+\)$/);
    assert.match(first.outLines.join('\n'), /seed 3 \(--seed 3 repeats the values\)/);
    assert.match(first.outLines.at(-1)!, /^sim: 4 cycles generated \(\d+ anomalies\), 6 frames published, 0 buffered in outboxes/);
    for (const name of ['sim-plc-1', 'sim-plc-2']) {
      const creds = parseCredentials(await readFile(join(simHome, 'devices', `${name}.json`), 'utf8'));
      assert.ok(creds.ok && creds.value.mqttPassword);
      assert.deepEqual(await createMqttCredentialStore(t.db).authenticate(String(creds.value.deviceId), creds.value.mqttPassword), { ok: true, value: creds.value.deviceId });
    }
    // Second run: the files are there; no database needed (DATABASE_URL points nowhere).
    const second = recordingIo({ TYPEDCLUSTER_HOME: simHome, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, simHome);
    assert.equal(await runCli(args, second), 0, second.errLines.join('\n'));
    assert.ok(!second.outLines.some((l) => l.startsWith('provisioned')));
  });
});
