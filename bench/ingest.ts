/**
 * npm run bench:ingest -- [--transport http|mqtt] [--frame reading|cycle] [flags]   (--help lists them)
 *
 * Throughput and latency of ingest-binary → verify-and-decrypt →
 * store-reading into PostgreSQL, on the platform exactly as `typedcluster up`
 * starts it. The load generator is a separate process. Prints figures, then
 * one JSON line.
 */
import { benchArgs } from './bench-args.js';
import { round, startBenchPlatform } from './bench-platform.js';
import { benchHttp } from './ingest-http.js';
import { benchMqtt } from './ingest-mqtt.js';

const args = benchArgs('bench:ingest', 'Ingest benchmark: frames/s and rows/s through the three functions into PostgreSQL.', {
  transport: { type: 'string', default: 'http', description: 'http: POST frames bodies; mqtt: devices publish with QoS 1 at stepped rates' },
  frame: { type: 'string', default: 'reading', description: 'reading (1 row per frame) or cycle (5 rows per frame)' },
  devices: { type: 'string', default: '8', description: 'devices sending' },
  frames: { type: 'string', default: '20000', description: 'http: frames to send' },
  batch: { type: 'string', default: '50', description: 'http: frames per request (1 = one frame per POST)' },
  concurrency: { type: 'string', default: '8', description: 'http: requests in flight' },
  rates: { type: 'string', default: '', description: 'mqtt: offered frames/s per step, comma-separated (default by frame type)' },
  'step-seconds': { type: 'string', default: '5', description: 'mqtt: seconds per step' },
  bundle: { type: 'string', default: '1', description: 'mqtt: frames per MQTT message; above 1, each device sends bundles (wire-format §6.5)' },
  'max-p99-ms': { type: 'string', default: '1000', description: 'mqtt: a step holds if nothing is lost and p99 publish→stored is below this' },
});
const fail = (msg: string): never => {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
};
const num = (name: string, v: string): number => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fail(`--${name} must be a positive integer, not ${v}`);
};
if (args.transport !== 'http' && args.transport !== 'mqtt') fail(`--transport must be http or mqtt, not ${args.transport}`);
if (args.frame !== 'reading' && args.frame !== 'cycle') fail(`--frame must be reading or cycle, not ${args.frame}`);
const frame = args.frame as 'reading' | 'cycle';
const devices = Math.min(num('devices', args.devices), 1000);
const rates = (args.rates || (frame === 'reading' ? '2000,5000,10000,15000,20000,25000' : '1000,2000,4000,6000,8000,10000')).split(',').map((r) => num('rates', r.trim()));

const bp = await startBenchPlatform();
try {
  const cpuBefore = await bp.cpu();
  const rowsPerFrame = frame === 'reading' ? 1 : 5;
  let summary: Record<string, unknown>;
  let cpuAtEnd: Record<string, number | undefined> | undefined;
  if (args.transport === 'http') {
    const batch = num('batch', args.batch);
    const concurrency = num('concurrency', args.concurrency);
    const r = await benchHttp(bp, { frame, frames: num('frames', args.frames), batch, concurrency, devices });
    console.log(`frames/s      ${r.frames_per_s}   rows/s ${r.rows_per_s}   (${r.seconds} s)`);
    console.log(`latency       p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms per request of ${batch} frames`);
    console.log(`lost          ${r.lost}   duplicated ${r.duplicated}   retries ${r.retries}   rejected ${JSON.stringify(r.rejected)}`);
    summary = { transport: 'http', frame, batch, concurrency, devices, ...r };
  } else {
    const bundle = num('bundle', args.bundle);
    if (!Number.isInteger(bundle) || bundle < 1 || bundle > 500) fail(`--bundle must be a whole number 1..500, not ${args.bundle}`);
    process.stderr.write(`publishing ${frame} frames from ${devices} devices at ${rates.join(', ')} frames/s, ${bundle} per message, ${args['step-seconds']} s per step…\n`);
    const r = await benchMqtt(bp, { frame, rates, stepSeconds: num('step-seconds', args['step-seconds']), devices, maxP99Ms: num('max-p99-ms', args['max-p99-ms']), bundle });
    for (const s of r.steps) console.log(`step ${String(s.rate).padStart(6)}/s  stored ${String(s.frames_per_s).padStart(8)} frames/s  p50 ${s.p50_ms} ms  p99 ${s.p99_ms} ms  lost ${s.lost}  ${s.held ? 'held' : 'BROKE'}`);
    cpuAtEnd = r.cpuAtEnd;
    const best = r.best;
    console.log(`sustained     ${best?.frames_per_s ?? 0} frames/s, ${round((best?.frames_per_s ?? 0) * rowsPerFrame)} rows/s (offered ${best?.rate ?? 0}/s)`);
    console.log(`lost          ${r.lost}   duplicated ${r.duplicated}`);
    summary = {
      transport: 'mqtt', frame, devices, bundle,
      frames_per_s: best?.frames_per_s ?? 0, rows_per_s: round((best?.frames_per_s ?? 0) * rowsPerFrame),
      p50_ms: best?.p50_ms ?? null, p99_ms: best?.p99_ms ?? null, lost: r.lost, duplicated: r.duplicated,
      steps: r.steps, loadRssMb: r.loadRssMb, loadCpuSeconds: r.loadCpuSeconds,
    };
  }
  // Where the time goes: CPU seconds each process spent during the run (2 cores = 2 s per wall second).
  const cpuAfter = cpuAtEnd ?? (await bp.cpu());
  const cpu: Record<string, number | null> = Object.fromEntries(Object.entries(cpuAfter).map(([k, v]) => [k, v === undefined ? null : round(v - (cpuBefore[k] ?? 0))]));
  cpu['load'] = round(summary['loadCpuSeconds'] as number);
  delete summary['loadCpuSeconds'];
  console.log(`CPU seconds   ${Object.entries(cpu).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')}`);
  summary['cpu_seconds_by_process'] = cpu;
  // The same per stored frame: what each process costs a frame, and what 2 cores allow (2e6 µs / total).
  const frames = Number((await bp.platform.database.db.query<{ n: string }>('SELECT count(*) AS n FROM frames WHERE type <> 1')).rows[0]?.n);
  const perFrame = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v === null || frames === 0 ? null : round((v * 1e6) / frames)]));
  const total = round(Object.values(perFrame).reduce<number>((n, v) => n + (v ?? 0), 0));
  perFrame['total'] = total;
  console.log(`CPU µs/frame  ${Object.entries(perFrame).map(([k, v]) => `${k} ${v ?? '?'}`).join(', ')} (2 cores fit ${total > 0 ? Math.round(2e6 / total) : '?'} frames/s)`);
  summary['cpu_us_per_frame'] = perFrame;
  const rss = await bp.rss();
  rss['load'] = summary['loadRssMb'] as number;
  delete summary['loadRssMb'];
  const values = Object.values(rss).filter((v): v is number => v !== undefined);
  console.log(`peak RSS (MB) ${Object.entries(rss).map(([k, v]) => `${k} ${v === undefined ? '?' : round(v)}`).join(', ')}`);
  console.log(JSON.stringify({ ...summary, peak_rss_mb: round(Math.max(...values)), peak_rss_by_process_mb: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, v === undefined ? null : round(v)])) }));
} finally {
  await bp.stop();
}
