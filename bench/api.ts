import { createTestDatabase } from '@typedcluster/core';
import { startRestGateway } from '../test/support/rest-gateway.js';
import { benchArgs, percentile } from './bench-args.js';

/**
 * `npm run bench:api`: the REST endpoint under /api (docs/rest-api.md) on
 * the embedded PostgreSQL, seeded with N PLCs × one day of cycles. Two
 * queries a dashboard makes: the latest phases of one PLC, and one PLC-day.
 * The client runs in this process (real HTTP over loopback), so on a small
 * machine it competes with the gateway for the CPU: compare runs, not clouds.
 */
const args = benchArgs('bench:api', 'Requests/s and latency of the REST API for "latest of a PLC" and "one PLC-day".', {
  plcs: { type: 'string', default: '50', description: 'PLCs seeded, one day of 30 s cycles each (5 phase rows per cycle)' },
  concurrency: { type: 'string', default: '8', description: 'requests in flight' },
  latest: { type: 'string', default: '2000', description: 'requests for "latest readings of a PLC" (25 newest phase rows)' },
  day: { type: 'string', default: '60', description: 'requests for "one PLC-day range" (14,400 phase rows each)' },
});
const plcs = Number(args.plcs);
const concurrency = Number(args.concurrency);
const DAY_START = Date.UTC(2025, 0, 1);
const DAY_MS = 86_400_000;
const round = (x: number) => Math.round(x * 100) / 100;

const t = await createTestDatabase('bench_api');
process.stderr.write(`seeding ${plcs} PLCs × 2880 cycles × 5 phases…\n`);
await t.db.query(`INSERT INTO devices (id, name, identity_public_key) SELECT d, 'plc-' || d, decode(repeat('01', 32), 'hex') FROM generate_series(1, $1::int) d`, [plcs]);
await t.db.query(
  `INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
   SELECT d, c, to_timestamp($2::double precision / 1000) + c * interval '30 seconds', c, p,
          to_timestamp($2::double precision / 1000) + c * interval '30 seconds' + (p - 1) * interval '6 seconds',
          random() * 100, random() * 100, random() * 100, random() * 100, random() * 100
   FROM generate_series(1, $1::int) d, generate_series(0, 2879) c, generate_series(1, 5) p`,
  [plcs, DAY_START],
);
await t.db.query('ANALYZE cycle_phases');
const gw = await startRestGateway(t.db);

interface Scenario {
  readonly name: string;
  readonly requests: number;
  readonly url: (i: number) => string;
  readonly rows: number;
}
const plcOf = (i: number) => (i % plcs) + 1;
const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
const scenarios: Scenario[] = [
  { name: 'latest_of_plc', requests: Number(args.latest), rows: 25, url: (i) => `${gw.apiUrl}/cycle_phases?select=cycle_no,phase,phase_start,s1,s2,s3,s4,s5&device_id=eq.${plcOf(i)}&order=phase_start.desc&limit=25` },
  { name: 'plc_day_range', requests: Number(args.day), rows: 14_400, url: (i) => `${gw.apiUrl}/cycle_phases?select=cycle_no,phase,phase_start,s1,s2,s3,s4,s5&device_id=eq.${plcOf(i)}&phase_start=gte.${iso(DAY_START)}&phase_start=lt.${iso(DAY_START + DAY_MS)}&order=phase_start` },
];

async function run(s: Scenario) {
  // Warm-up: schema cache, pool connections, plans.
  for (let i = 0; i < concurrency; i++) await (await fetch(s.url(i))).arrayBuffer();
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  let wrongRows = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < s.requests) {
      const i = next++;
      const t0 = performance.now();
      const res = await fetch(s.url(i));
      const body = (await res.json()) as unknown[];
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failed++;
      else if (body.length !== s.rows) wrongRows++;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  return { scenario: s.name, requests: s.requests, rows_per_request: s.rows, req_per_s: round(s.requests / seconds), p50_ms: round(percentile(sorted, 50)), p95_ms: round(percentile(sorted, 95)), failed, wrong_rows: wrongRows };
}

const results = [];
try {
  for (const s of scenarios) {
    process.stderr.write(`${s.name}: ${s.requests} requests, ${concurrency} in flight…\n`);
    const r = await run(s);
    results.push(r);
    process.stdout.write(`${r.scenario.padEnd(16)} ${String(r.req_per_s).padStart(9)} req/s   p50 ${r.p50_ms} ms   p95 ${r.p95_ms} ms   (${r.rows_per_request} rows each, failed ${r.failed}, wrong row count ${r.wrong_rows})\n`);
  }
} finally {
  await gw.close();
  await t.drop();
}
process.stdout.write(`${JSON.stringify({ bench: 'api', plcs, concurrency, rows_seeded: plcs * 2880 * 5, results })}\n`);
process.exit(0);
