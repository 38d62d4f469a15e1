/**
 * The benchmark's load generator, run as its own process so sealing frames
 * and timing requests never share an event loop with the gateway. Reads its
 * job from argv (JSON), prints one JSON line of results.
 */
import { readFile } from 'node:fs/promises';
import { createDeviceSender, deliverFrames, isDelivered, parseCredentials, sampleNormalCycle, sodiumReady, systemRandom } from '@typedcluster/core';

export interface LoadJob {
  readonly url: string;
  readonly credentialFiles: readonly string[];
  readonly frame: 'reading' | 'cycle';
  readonly frames: number;
  readonly batch: number;
  readonly concurrency: number;
}

export interface LoadResult {
  readonly sent: number;
  readonly delivered: number;
  readonly rejected: Record<string, number>;
  readonly retries: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  await sodiumReady();
  const senders = await Promise.all(job.credentialFiles.map(async (f) => {
    const c = parseCredentials(await readFile(f, 'utf8'));
    if (!c.ok) throw new Error(`${f}: ${c.error.message}`);
    return createDeviceSender({ credentials: c.value, random: systemRandom, now: Date.now });
  }));
  const sessions = await deliverFrames(senders.map((s) => s.sessionFrame()), { fetch, url: job.url });
  if (!sessions.outcomes.every(isDelivered)) throw new Error(`sessions refused: ${JSON.stringify(sessions.outcomes)}`);

  // Seal everything first: the benchmark measures the platform, not the sender.
  const t0 = Date.now();
  const batches: Uint8Array[][] = [];
  for (let i = 0; i < job.frames; i += job.batch) {
    const s = senders[(i / job.batch) % senders.length]!;
    const n = Math.min(job.batch, job.frames - i);
    batches.push(Array.from({ length: n }, (_, k) => job.frame === 'reading'
      ? s.readingFrame({ ts: t0 + i + k, temperature: 20 + Math.random(), pressure: 101, humidity: 45 })
      : s.cycleFrame({ cycleStart: t0 + (i + k) * 30_000, cycle: i + k, phases: sampleNormalCycle(Math.random) })));
  }

  const latenciesMs: number[] = [];
  const rejected: Record<string, number> = {};
  let delivered = 0;
  let retries = 0;
  let next = 0;
  const cpuAtStart = process.cpuUsage();
  const start = performance.now();
  const lane = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const t = performance.now();
      const d = await deliverFrames(batch, { fetch, url: job.url, attempts: 20 });
      latenciesMs.push(performance.now() - t);
      retries += d.retries;
      for (const o of d.outcomes) {
        if (isDelivered(o)) delivered++;
        else if (!o.ok) rejected[o.code] = (rejected[o.code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  return { sent: job.frames, delivered, rejected, retries, seconds, latenciesMs, peakRssMb: process.resourceUsage().maxRSS / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

const job = JSON.parse(process.argv[2] ?? '{}') as LoadJob;
run(job).then(
  (r) => {
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0); // the IPC channel would keep us alive
  },
  (e: unknown) => {
    process.stderr.write(`load generator failed: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
