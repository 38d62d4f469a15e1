/**
 * npm run bench:ingest -- [--frame reading|cycle] [--frames N] [--batch N] [--concurrency N] [--devices N]
 *
 * Throughput and latency of ingest-binary → verify-and-decrypt →
 * store-reading into PostgreSQL, on the platform exactly as `typedcluster up`
 * starts it (embedded PostgreSQL with its durable defaults, the gateway, the
 * functions in their own processes). The load generator is a separate
 * process. Prints figures, then one JSON line.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, freePort, systemRandom } from '@typedcluster/core';
import { readCliConfig } from '../cli/src/cli-config.js';
import { provisionDevice } from '../cli/src/platform/provision-device.js';
import { startPlatform } from '../cli/src/platform/start-platform.js';
import { benchArgs, peakRssMb, percentile } from './bench-args.js';
import type { LoadJob, LoadResult } from './ingest-load.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = benchArgs('bench:ingest', 'Ingest benchmark: frames/s and rows/s through the three functions into PostgreSQL.', {
  transport: { type: 'string', default: 'http', description: 'http (mqtt arrives with the MQTT connector)' },
  frame: { type: 'string', default: 'reading', description: 'reading (1 row per frame) or cycle (5 rows per frame)' },
  frames: { type: 'string', default: '20000', description: 'frames to send' },
  batch: { type: 'string', default: '50', description: 'frames per request (1 = one frame per POST)' },
  concurrency: { type: 'string', default: '8', description: 'requests in flight' },
  devices: { type: 'string', default: '8', description: 'devices sending' },
});

if (args.transport !== 'http') {
  process.stderr.write(`error: --transport ${args.transport} is not available yet; use --transport http\n`);
  process.exit(2);
}
if (args.frame !== 'reading' && args.frame !== 'cycle') {
  process.stderr.write(`error: --frame must be reading or cycle, not ${args.frame}\n`);
  process.exit(2);
}
const num = (name: string, v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`error: --${name} must be a positive integer, not ${v}\n`);
    process.exit(2);
  }
  return n;
};
const frames = num('frames', args.frames);
const batch = num('batch', args.batch);
const concurrency = num('concurrency', args.concurrency);
const deviceCount = Math.min(num('devices', args.devices), 1000);

const home = await mkdtemp(join(tmpdir(), 'typedcluster-bench-'));
await chmod(home, 0o755); // the embedded PostgreSQL runs as the postgres user and must reach its data dir
const env = { TYPEDCLUSTER_HOME: home, PG_PORT: String(await freePort()), PORT: '0', MQTT_PORT: '0', STACK_FILE: join(ROOT, 'stack.yml'), LOG_LEVEL: 'warn' };
const log = createLogger('bench', { level: 'warn' });
process.stderr.write(`starting the platform (embedded PostgreSQL in ${home})…\n`);
const platform = await startPlatform({ config: readCliConfig(env, ROOT), env, log, random: systemRandom, uniform: Math.random, now: Date.now, fetch, demo: false });
try {
  const files: string[] = [];
  for (let i = 0; i < deviceCount; i++) {
    const out = join(home, 'devices', `bench-${i}.json`);
    const r = await provisionDevice(platform.database.db, { name: `bench-${i}`, out, platformPublicKey: platform.secrets.platformKeys.publicKey }, systemRandom);
    if (!r.ok) throw new Error(r.error.message);
    files.push(out);
  }
  const job: LoadJob = { url: `${platform.gateway.url}/function/ingest-binary`, credentialFiles: files, frame: args.frame, frames, batch, concurrency };
  process.stderr.write(`sending ${frames} ${args.frame} frames in batches of ${batch}, ${concurrency} in flight, from ${deviceCount} devices…\n`);
  const result = await runLoad(job);

  const table = args.frame === 'reading' ? 'readings' : 'cycle_phases';
  const counts = await platform.database.db.query<{ rows: string; distinct_rows: string; frames: string }>(
    `SELECT (SELECT count(*) FROM ${table}) AS rows,
            (SELECT count(*) FROM (SELECT DISTINCT device_id, seq FROM ${table}) d) AS distinct_rows,
            (SELECT count(*) FROM frames WHERE type <> 1) AS frames`);
  const c = counts.rows[0]!;
  const rowsPerFrame = args.frame === 'reading' ? 1 : 5;
  const storedFrames = Number(c.frames);
  const lost = frames - storedFrames;
  const duplicated = Number(c.rows) - Number(c.distinct_rows) * rowsPerFrame;
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const rss: Record<string, number | undefined> = { gateway: process.resourceUsage().maxRSS / 1024, load: result.peakRssMb };
  for (const { name } of platform.gateway.stack.functions) {
    const pid = platform.gateway.supervisor.get(name)?.pid;
    rss[name] = pid ? await peakRssMb(pid) : undefined;
  }
  const summary = {
    transport: 'http',
    frame: args.frame,
    batch,
    concurrency,
    devices: deviceCount,
    frames,
    seconds: round(result.seconds),
    frames_per_s: round(storedFrames / result.seconds),
    rows_per_s: round((storedFrames * rowsPerFrame) / result.seconds),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    lost,
    duplicated,
    rejected: result.rejected,
    retries: result.retries,
    peak_rss_mb: round(Math.max(...Object.values(rss).filter((v): v is number => v !== undefined))),
    peak_rss_by_process_mb: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, v === undefined ? null : round(v)])),
  };
  console.log(`frames/s      ${summary.frames_per_s}   (${storedFrames} frames stored in ${summary.seconds} s)`);
  console.log(`rows/s        ${summary.rows_per_s}`);
  console.log(`latency       p50 ${summary.p50_ms} ms, p99 ${summary.p99_ms} ms per request of ${batch} frames`);
  console.log(`lost          ${lost}   duplicated ${duplicated}   retries ${result.retries}   rejected ${JSON.stringify(result.rejected)}`);
  console.log(`peak RSS (MB) ${Object.entries(summary.peak_rss_by_process_mb).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(JSON.stringify(summary));
} finally {
  await platform.stop();
  await rm(home, { recursive: true, force: true });
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=typescript', '--import', 'tsx', join(ROOT, 'bench/ingest-load.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
