import { percentile } from './bench-args.js';
import { round, runChild, type BenchPlatform } from './bench-platform.js';
import type { LoadJob, LoadResult } from './ingest-load.js';

export interface HttpBenchOptions {
  readonly frame: 'reading' | 'cycle';
  readonly frames: number;
  readonly batch: number;
  readonly concurrency: number;
  readonly devices: number;
}

/** A fixed number of frames over HTTP (frames bodies of `batch`), `concurrency` requests in flight. */
export async function benchHttp(bp: BenchPlatform, o: HttpBenchOptions) {
  const files = await bp.devices(o.devices);
  const job: LoadJob = { url: `${bp.platform.gateway.url}/function/ingest-binary`, credentialFiles: files, frame: o.frame, frames: o.frames, batch: o.batch, concurrency: o.concurrency };
  process.stderr.write(`sending ${o.frames} ${o.frame} frames in batches of ${o.batch}, ${o.concurrency} in flight, from ${o.devices} devices…\n`);
  const result = await runChild<LoadResult>('ingest-load.ts', job);
  const table = o.frame === 'reading' ? 'readings' : 'cycle_phases';
  const c = (await bp.platform.database.db.query<{ rows: string; distinct_rows: string; frames: string }>(
    `SELECT (SELECT count(*) FROM ${table}) AS rows,
            (SELECT count(*) FROM (SELECT DISTINCT device_id, seq FROM ${table}) d) AS distinct_rows,
            (SELECT count(*) FROM frames WHERE type <> 1) AS frames`)).rows[0]!;
  const rowsPerFrame = o.frame === 'reading' ? 1 : 5;
  const storedFrames = Number(c.frames);
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    seconds: round(result.seconds),
    frames_per_s: round(storedFrames / result.seconds),
    rows_per_s: round((storedFrames * rowsPerFrame) / result.seconds),
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    lost: o.frames - storedFrames,
    duplicated: Number(c.rows) - Number(c.distinct_rows) * rowsPerFrame,
    rejected: result.rejected,
    retries: result.retries,
    loadRssMb: result.peakRssMb,
    loadCpuSeconds: result.cpuSeconds,
  };
}
