import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { percentile } from './bench-args.js';
import { round, runChild, type BenchPlatform } from './bench-platform.js';
import type { MqttLoadJob, MqttLoadResult } from './mqtt-load.js';

export interface MqttBenchOptions {
  readonly frame: 'reading' | 'cycle';
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly devices: number;
  /** A step breaks when its p99 publish→stored latency exceeds this, or frames are lost. */
  readonly maxP99Ms: number;
  /** Frames per MQTT message (wire-format §6.5 bundles when > 1). */
  readonly bundle: number;
}

interface StepFigures {
  rate: number;
  published: number;
  stored: number;
  frames_per_s: number;
  p50_ms: number;
  p99_ms: number;
  lost: number;
  held: boolean;
}

/**
 * Steps the offered rate up until loss or latency breaks: after each step
 * the platform gets 2 s to catch up; if more than one second of traffic is
 * still unstored, the run stops there. Latency is per frame, from its
 * publish to its row's transaction time (`frames.received_at`).
 */
export async function benchMqtt(bp: BenchPlatform, o: MqttBenchOptions) {
  const db = bp.platform.database.db;
  const stored = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM frames WHERE type <> 1')).rows[0]?.n);
  const files = await bp.devices(o.devices);
  const timesFile = join(bp.home, 'publish-times.bin');
  const job: MqttLoadJob = { mqttUrl: bp.platform.broker.url, credentialFiles: files, frame: o.frame, rates: o.rates, stepSeconds: o.stepSeconds, timesFile, bundle: o.bundle };
  let published = 0;
  const load = await runChild<MqttLoadResult>('mqtt-load.ts', job, (m, child) => {
    const step = m as { step: number; published: number };
    published += step.published;
    void (async () => {
      const deadline = Date.now() + 2000;
      while (Date.now() < deadline && (await stored()) < published) await new Promise((r) => setTimeout(r, 100));
      const behind = published - (await stored());
      const rate = o.rates[step.step]!;
      process.stderr.write(`  step ${rate}/s: ${published} published, ${behind} not yet stored 2 s after the step\n`);
      child.send(behind > rate ? 'stop' : 'continue');
    })();
  });
  // Let the backlog drain before counting what was lost.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (await stored()) < published) await new Promise((r) => setTimeout(r, 250));
  // CPU is read here, before the latency and duplicate queries below, which are the benchmark's own work.
  const cpuAtEnd = await bp.cpu();

  const times = await readFile(timesFile);
  const publishedAt = new Map<string, number>();
  for (let at = 0; at + 18 <= times.length; at += 18) publishedAt.set(`${times.readUInt16BE(at)}:${times.readBigUInt64BE(at + 2)}`, times.readDoubleBE(at + 10));
  const rows = await db.query<{ device_id: number; seq: string; t: string }>('SELECT device_id, seq::text AS seq, (extract(epoch FROM received_at) * 1000)::float8 AS t FROM frames WHERE type <> 1');
  const storedAt = new Map(rows.rows.map((r) => [`${r.device_id}:${r.seq}`, Number(r.t)]));
  const rowsPerFrame = o.frame === 'reading' ? 1 : 5;
  const table = o.frame === 'reading' ? 'readings' : 'cycle_phases';
  const dup = await db.query<{ n: string; d: string }>(`SELECT count(*) AS n, count(DISTINCT (device_id, seq)) AS d FROM ${table}`);
  const duplicated = Number(dup.rows[0]?.n) - Number(dup.rows[0]?.d) * rowsPerFrame;

  const steps: StepFigures[] = [];
  let offset = 0;
  for (const s of load.steps) {
    const latencies: number[] = [];
    let lost = 0;
    let lastStored = 0;
    for (let i = 0; i < s.published; i++, offset += 18) {
      const key = `${times.readUInt16BE(offset)}:${times.readBigUInt64BE(offset + 2)}`;
      const at = storedAt.get(key);
      if (at === undefined) lost++;
      else {
        latencies.push(at - publishedAt.get(key)!);
        lastStored = Math.max(lastStored, at);
      }
    }
    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const seconds = Math.max((lastStored - s.startedAt) / 1000, o.stepSeconds);
    steps.push({ rate: s.rate, published: s.published, stored: latencies.length, frames_per_s: round(latencies.length / seconds), p50_ms: round(percentile(latencies, 50)), p99_ms: round(p99), lost, held: lost === 0 && p99 <= o.maxP99Ms });
  }
  const best = [...steps].reverse().find((s) => s.held) ?? steps[0];
  const lost = published - (await stored());
  return { steps, best, lost, duplicated, rowsPerFrame, loadRssMb: load.peakRssMb, loadCpuSeconds: load.cpuSeconds, cpuAtEnd };
}
