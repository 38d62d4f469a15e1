/**
 * MQTT load generator for `bench:ingest -- --transport mqtt`, run as its
 * own process. Seals every frame before the clock starts (the benchmark
 * measures the platform, not the sender), then publishes with QoS 1 at
 * each step's rate, recording when every frame was published. The parent
 * may send 'stop' between steps. Prints one JSON line; publish times go to
 * `timesFile` as [u16 device ‖ u64 seq ‖ f64 ms since epoch] records.
 * With `bundle` > 1 a device puts that many consecutive frames into one
 * message (wire-format §6.5); the rate stays in frames/s.
 */
import { readFile, writeFile } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { createDeviceSender, joinFrames, parseCredentials, sampleNormalCycle, sodiumReady, systemRandom, TOPICS, type DeviceSender } from '@typedcluster/core';

export interface MqttLoadJob {
  readonly mqttUrl: string;
  readonly credentialFiles: readonly string[];
  readonly frame: 'reading' | 'cycle';
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly timesFile: string;
  /** Frames per MQTT message: 1 = bare frames, more = bundles (wire-format §6.5). */
  readonly bundle: number;
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
  }).map((frames) => toMessages(frames, job.bundle));

  const cpuAtStart = process.cpuUsage();
  let stopRequested = false;
  process.on('message', (m) => (stopRequested ||= m === 'stop'));
  const times = Buffer.alloc(sealed.reduce((n, s) => n + s.reduce((m, msg) => m + msg.frames.length, 0), 0) * 18);
  let at = 0;
  const steps: StepReport[] = [];
  for (const [k, messages] of sealed.entries()) {
    if (stopRequested) break;
    const frames = messages.reduce((n, m) => n + m.frames.length, 0);
    const rate = job.rates[k]!;
    const startedAt = Date.now();
    let acked = 0;
    const pending: Promise<unknown>[] = [];
    // Publish in 10 ms ticks so the offered rate is steady rather than one burst per second.
    for (let i = 0, sent = 0; i < messages.length; ) {
      const due = Math.floor(((Date.now() - startedAt) / 1000) * rate) + 1;
      for (; i < messages.length && sent < due; i++) {
        const m = messages[i]!;
        const now = Date.now();
        for (const f of m.frames) {
          times.writeUInt16BE(m.d.id, at);
          times.writeBigUInt64BE(f.seq, at + 2);
          times.writeDoubleBE(now, at + 10);
          at += 18;
        }
        sent += m.frames.length;
        pending.push(m.d.client.publishAsync(m.d.topic, m.payload, { qos: 1 }).then(() => (acked += m.frames.length)));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    steps.push({ rate, published: frames, acked, startedAt, endedAt: Date.now() });
    process.send?.({ step: k, published: frames });
    await new Promise((r) => process.once('message', r)); // the parent says when to go on (or stop)
  }
  await writeFile(job.timesFile, times.subarray(0, at));
  await Promise.all(devices.map((d) => d.client.endAsync()));
  const cpu = process.cpuUsage(cpuAtStart);
  return { steps, sessionsPublished: devices.length, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

interface Sealed {
  readonly d: Device;
  readonly seq: bigint;
  readonly bytes: Buffer;
}

interface Message {
  readonly d: Device;
  readonly frames: readonly Sealed[];
  readonly payload: Buffer;
}

/** Each device's frames in order, `bundle` at a time, the devices' messages interleaved as the frames were. */
function toMessages(frames: readonly Sealed[], bundle: number): Message[] {
  if (bundle <= 1) return frames.map((f) => ({ d: f.d, frames: [f], payload: f.bytes }));
  const open = new Map<Device, Sealed[]>();
  const out: Message[] = [];
  const flush = (d: Device, fs: Sealed[]) => out.push({ d, frames: fs, payload: Buffer.from(joinFrames(fs.map((f) => f.bytes))) });
  for (const f of frames) {
    const fs = open.get(f.d) ?? [];
    fs.push(f);
    open.set(f.d, fs);
    if (fs.length === bundle) {
      flush(f.d, fs);
      open.delete(f.d);
    }
  }
  for (const [d, fs] of open) flush(d, fs);
  return out;
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
