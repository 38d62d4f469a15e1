/**
 * MQTT load generator for `bench:ingest -- --transport mqtt`, run as its
 * own process. Seals every frame before the clock starts (the benchmark
 * measures the platform, not the sender), then publishes with QoS 1 at
 * each step's rate, recording when every frame was published. The parent
 * may send 'stop' between steps. Prints one JSON line; publish times go to
 * `timesFile` as [u16 device ‖ u64 seq ‖ f64 ms since epoch] records.
 */
import { readFile, writeFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { createDeviceSender, parseCredentials, sampleNormalCycle, sodiumReady, systemRandom, TOPICS, type DeviceSender } from '@typedcluster/core';

export interface MqttLoadJob {
  readonly mqttUrl: string;
  readonly credentialFiles: readonly string[];
  readonly frame: 'reading' | 'cycle';
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly timesFile: string;
}

export interface StepReport {
  readonly rate: number;
  readonly published: number;
  readonly acked: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface MqttLoadResult {
  readonly steps: StepReport[];
  readonly sessionsPublished: number;
  readonly peakRssMb: number;
  /** CPU seconds this generator used while publishing (sealing happens before the clock starts). */
  readonly cpuSeconds: number;
}

interface Device {
  readonly id: number;
  readonly sender: DeviceSender;
  readonly client: MqttClient;
  readonly topic: string;
}

async function connect(job: MqttLoadJob): Promise<Device[]> {
  await sodiumReady();
  return Promise.all(job.credentialFiles.map(async (file) => {
    const c = parseCredentials(await readFile(file, 'utf8'));
    if (!c.ok) throw new Error(`${file}: ${c.error.message}`);
    const id = c.value.deviceId;
    const client = await mqtt.connectAsync(job.mqttUrl, { username: String(id), password: c.value.mqttPassword ?? '', clientId: `bench-${id}`, clean: true, reconnectPeriod: 0 });
    const topic = job.frame === 'reading' ? TOPICS.sensorReading(id) : TOPICS.plcCycle(id);
    return { id, sender: createDeviceSender({ credentials: c.value, random: systemRandom, now: Date.now }), client, topic };
  }));
}

async function run(job: MqttLoadJob): Promise<MqttLoadResult> {
  const devices = await connect(job);
  for (const d of devices) await d.client.publishAsync(d.topic, Buffer.from(d.sender.sessionFrame()), { qos: 1 });

  const t0 = Date.now();
  const sealed = job.rates.map((rate) => {
    const n = Math.round(rate * job.stepSeconds);
    return Array.from({ length: n }, (_, i) => {
      const d = devices[i % devices.length]!;
      const seq = d.sender.nextSeq;
      const bytes = job.frame === 'reading'
        ? d.sender.readingFrame({ ts: t0 + i, temperature: 20 + (i % 100) / 10, pressure: 101, humidity: 45 })
        : d.sender.cycleFrame({ cycleStart: t0 + i * 30_000, cycle: i, phases: sampleNormalCycle(Math.random) });
      return { d, seq, bytes: Buffer.from(bytes) };
    });
  });

  const cpuAtStart = process.cpuUsage();
  let stopRequested = false;
  process.on('message', (m) => (stopRequested ||= m === 'stop'));
  const times = Buffer.alloc(sealed.reduce((n, s) => n + s.length, 0) * 18);
  let at = 0;
  const steps: StepReport[] = [];
  for (const [k, frames] of sealed.entries()) {
    if (stopRequested) break;
    const rate = job.rates[k]!;
    const startedAt = Date.now();
    let acked = 0;
    const pending: Promise<unknown>[] = [];
    // Publish in 10 ms ticks so the offered rate is steady rather than one burst per second.
    for (let i = 0; i < frames.length; ) {
      const due = Math.min(frames.length, Math.floor(((Date.now() - startedAt) / 1000) * rate) + 1);
      for (; i < due; i++) {
        const f = frames[i]!;
        times.writeUInt16BE(f.d.id, at);
        times.writeBigUInt64BE(f.seq, at + 2);
        times.writeDoubleBE(Date.now(), at + 10);
        at += 18;
        pending.push(f.d.client.publishAsync(f.d.topic, f.bytes, { qos: 1 }).then(() => acked++));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    steps.push({ rate, published: frames.length, acked, startedAt, endedAt: Date.now() });
    process.send?.({ step: k, published: frames.length });
    await new Promise((r) => process.once('message', r)); // the parent says when to go on (or stop)
  }
  await writeFile(job.timesFile, times.subarray(0, at));
  await Promise.all(devices.map((d) => d.client.endAsync()));
  const cpu = process.cpuUsage(cpuAtStart);
  return { steps, sessionsPublished: devices.length, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const job = JSON.parse(process.argv[2] ?? '{}') as MqttLoadJob;
run(job).then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`mqtt load generator failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
