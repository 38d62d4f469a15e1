import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { get, type ClientRequest } from 'node:http';
import { createDatabase, createReadingStore, createTestDatabase, getTestPostgres, TYPICAL_MODEL, type Database, type Queryable } from '@typedcluster/core';
import { readDashboardConfig } from '@typedcluster/gateway';
import { buildDatabaseGateway } from '../gateway/src/testing/gateway-harness.js';
import { benchArgs, percentile } from './bench-args.js';
import { cpuSeconds } from './cpu-usage.js';
import { liveCycle } from './dashboard-load.js';

/**
 * `npm run bench:dashboard`: is the dashboard fast with 50 PLCs? The real
 * gateway routes (/dashboard/events) on the embedded PostgreSQL, seeded
 * with `history` cycles per PLC; a writer process (dashboard-load.ts) stores
 * a cycle per PLC every 30 s / speed through the reading store, while an
 * overview viewer (every PLC) and a detail viewer (one PLC) stay connected.
 * Reports the shared poller's query time per tick, SSE bytes/s per viewer,
 * the snapshot a new viewer gets, and CPU. No browser: the page's cost is
 * the browser's.
 */
const args = benchArgs('bench:dashboard', 'Poll query time, SSE bytes/s and snapshot size of the dashboard with N PLCs storing live cycles.', {
  plcs: { type: 'string', default: '50', description: 'PLCs storing cycles' },
  speed: { type: 'string', default: '10', description: 'cycles per PLC at this many times the real rate (one per 30 s)' },
  seconds: { type: 'string', default: '30', description: 'measured window' },
  history: { type: 'string', default: '60', description: 'cycles per PLC stored before the viewers connect (60 = the 300 points a viewer keeps)' },
  poll: { type: 'string', default: '1s', description: 'DASHBOARD_POLL_INTERVAL' },
});
const plcs = Number(args.plcs);
const speed = Number(args.speed);
const seconds = Number(args.seconds);
const history = Number(args.history);
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const t = await createTestDatabase('bench_dashboard');
process.stderr.write(`seeding ${plcs} PLCs × ${history} cycles…\n`);
await t.db.query(`INSERT INTO devices (id, name, identity_public_key) SELECT d, 'plc-' || d, decode(repeat('01', 32), 'hex') FROM generate_series(1, $1::int) d`, [plcs]);
const store = createReadingStore(t.db);
const t0 = Date.now();
for (let c = 0; c < history; c++) {
  const stored = await store.storeRecords(Array.from({ length: plcs }, (_, i) => liveCycle(i + 1, c, t0 - (history - c) * 30_000)));
  if (!stored.ok) throw new Error(stored.error.message);
}
// As if stored a minute ago: rows inside the poller's 5-s overlap window would be re-read and, 15,000 of
// them, taken for a backlog (a fresh snapshot to every viewer) — a cost of this seeding, not of live data.
await t.db.query("UPDATE cycle_phases SET stored_at = stored_at - interval '1 minute'");
await t.db.query('ANALYZE');

/** The gateway's pool, timing the dashboard's queries by their SQL. */
const timings = { rows_since: [] as number[], anomalies: [] as number[], presence: [] as number[], seed: [] as number[], tick: [] as number[] };
let pendingRowsMs: number | undefined;
const kindOf = (sql: string): keyof typeof timings | undefined =>
  sql.includes('c.stored_at >') ? 'rows_since' : sql.includes('anomaly_reports') ? 'anomalies' : sql.includes('CROSS JOIN LATERAL') ? 'seed' : sql.includes('FROM frames f') || sql.includes('FROM nodes') ? 'presence' : undefined;
const pool = createDatabase(t.url, { max: 3 });
const timed: Database = {
  ...pool,
  query: async <R extends object>(text: string, params?: readonly unknown[]) => {
    const start = performance.now();
    const r = await pool.query<R>(text, params);
    const ms = performance.now() - start;
    const kind = kindOf(text);
    if (kind) timings[kind].push(ms);
    // One tick = new rows, then new anomaly reports (dashboard-hub.ts pollOnce).
    if (kind === 'rows_since') pendingRowsMs = ms;
    if (kind === 'anomalies' && pendingRowsMs !== undefined) {
      timings.tick.push(pendingRowsMs + ms);
      pendingRowsMs = undefined;
    }
    return r;
  },
} satisfies Queryable;

const app = buildDatabaseGateway(timed, { dashboard: { config: readDashboardConfig({ DASHBOARD_POLL_INTERVAL: args.poll }), model: TYPICAL_MODEL } });
await app.listen({ port: 0, host: '127.0.0.1' });
const addr = app.server.address();
const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/dashboard/events`;

/**
 * CPU seconds of our PostgreSQL's processes (the postmaster and its children: other
 * clusters on the machine are not ours); a delta over pids alive at both ends leaves
 * out the writer's backends, which end with it.
 */
const postmaster = (await getTestPostgres()).pid;
async function postgresCpu(): Promise<Map<number, number>> {
  const byPid = new Map<number, number>();
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number(pid) !== postmaster && ppid !== postmaster) continue;
    const s = await cpuSeconds(Number(pid));
    if (s !== undefined) byPid.set(Number(pid), s);
  }
  return byPid;
}
const cpuDelta = (before: Map<number, number>, after: Map<number, number>): number =>
  [...after].reduce((sum, [pid, s]) => sum + (before.has(pid) ? s - (before.get(pid) ?? 0) : 0), 0);

/** An EventSource-like reader that counts bytes, and the bytes up to the end of its first snapshot. */
interface Viewer {
  readonly snapshot: Promise<{ bytes: number; ms: number }>;
  bytes(): number;
  /** Events seen by kind, and PLC chunks that replaced a whole chart (not appended to it). */
  counts(): { events: Record<string, number>; replaceChunks: number; appendChunks: number };
  close(): void;
}
function connect(url: string): Viewer {
  let bytes = 0;
  let head = '';
  let seenSnapshot = false;
  let pending = '';
  const events: Record<string, number> = {};
  let replaceChunks = 0;
  let appendChunks = 0;
  const countEvents = (text: string) => {
    pending += text;
    const blocks = pending.split('\n\n');
    pending = blocks.pop() ?? '';
    for (const block of blocks) {
      const kind = /^event: (.+)$/m.exec(block)?.[1] ?? 'comment';
      events[kind] = (events[kind] ?? 0) + 1;
      if (kind === 'rows') {
        replaceChunks += block.split('"replace":true').length - 1;
        appendChunks += block.split('"replace":false').length - 1;
      }
    }
  };
  let req: ClientRequest | undefined;
  const opened = performance.now();
  const snapshot = new Promise<{ bytes: number; ms: number }>((resolve, reject) => {
    req = get(url, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        countEvents(chunk.toString('utf8'));
        if (seenSnapshot) return;
        head += chunk.toString('utf8');
        const at = head.indexOf('event: snapshot');
        const end = at < 0 ? -1 : head.indexOf('\n\n', at);
        if (end >= 0) {
          resolve({ bytes: Buffer.byteLength(head.slice(0, end + 2)), ms: performance.now() - opened });
          seenSnapshot = true;
          head = '';
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
  });
  return { snapshot, bytes: () => bytes, counts: () => ({ events: { ...events }, replaceChunks, appendChunks }), close: () => req?.destroy() };
}

// What the page asks for (public/dashboard.js): the overview's sparkline of every PLC, and one PLC's five charts.
const OVERVIEW = `${base}?series=dev&points=60`;
const DETAIL = `${base}?plcs=${Math.min(7, plcs)}&series=s1,s2,s3,s4,s5&meta=0`;
const overview = connect(OVERVIEW);
const detail = connect(DETAIL);
const [overviewSnap, detailSnap] = await Promise.all([overview.snapshot, detail.snapshot]);
for (const list of Object.values(timings)) list.length = 0;

process.stderr.write(`${plcs} PLCs at ${speed}× (${round((plcs * speed) / 30, 1)} cycles/s) for ${seconds} s, 2 viewers connected…\n`);
const bytes0 = { overview: overview.bytes(), detail: detail.bytes() };
const cpu0 = process.cpuUsage();
const pg0 = await postgresCpu();
const w0 = performance.now();
const writer = spawn(process.execPath, ['--conditions=typescript', '--import', 'tsx', 'bench/dashboard-load.ts', JSON.stringify({ url: t.url, plcs, speed, seconds, firstSeq: history })], { stdio: ['ignore', 'pipe', 'inherit'] });
let writerOut = '';
writer.stdout.on('data', (c: Buffer) => (writerOut += c.toString()));
const writerDone = new Promise<number | null>((resolve) => writer.on('exit', resolve));

// Half-way: what a viewer opening the page now gets first.
await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
const lateOverview = connect(OVERVIEW);
const lateDetail = connect(DETAIL);
const [newOverview, newDetail] = await Promise.all([lateOverview.snapshot, lateDetail.snapshot]);
lateOverview.close();
lateDetail.close();

const code = await writerDone;
const wallS = (performance.now() - w0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pgCpu = cpuDelta(pg0, await postgresCpu());
const written = JSON.parse(writerOut.trim().split('\n').pop() ?? '{}') as { cycles?: number; cpuSeconds?: number };
const ratePerClient = { overview: (overview.bytes() - bytes0.overview) / wallS, detail: (detail.bytes() - bytes0.detail) / wallS };
overview.close();
detail.close();
await app.close();
await pool.close();
await t.drop();
if (code !== 0) throw new Error(`the writer exited with ${code}`);

const stats = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { n: sorted.length, p50_ms: round(percentile(sorted, 50)), p95_ms: round(percentile(sorted, 95)), max_ms: round(sorted[sorted.length - 1] ?? NaN) };
};
const result = {
  bench: 'dashboard',
  plcs,
  speed,
  seconds: round(wallS),
  cycles_stored: written.cycles ?? null,
  cycles_per_s: round((written.cycles ?? 0) / wallS),
  poll_tick: stats(timings.tick),
  queries: { rows_since: stats(timings.rows_since), anomalies: stats(timings.anomalies), presence: stats(timings.presence) },
  sse_events: { overview: overview.counts(), detail: detail.counts() },
  sse_bytes_per_s: { overview: Math.round(ratePerClient.overview), detail: Math.round(ratePerClient.detail) },
  snapshot_bytes: { overview_at_start: overviewSnap.bytes, detail_at_start: detailSnap.bytes, overview: newOverview.bytes, detail: newDetail.bytes },
  snapshot_ms: { overview: round(newOverview.ms), detail: round(newDetail.ms) },
  cpu_percent: { gateway_and_viewers: round(((cpu.user + cpu.system) / 1e6 / wallS) * 100, 1), postgres: round((pgCpu / wallS) * 100, 1), writer: round(((written.cpuSeconds ?? 0) / wallS) * 100, 1) },
};
const kb = (b: number) => `${round(b / 1024, 1)} KiB`;
process.stdout.write(
  [
    `cycles stored      ${result.cycles_stored} (${result.cycles_per_s}/s, ${plcs} PLCs at ${speed}×)`,
    `poll tick          p50 ${result.poll_tick.p50_ms} ms   p95 ${result.poll_tick.p95_ms} ms   max ${result.poll_tick.max_ms} ms   (${result.poll_tick.n} ticks; rows_since p95 ${result.queries.rows_since.p95_ms} ms, anomalies p95 ${result.queries.anomalies.p95_ms} ms, presence p95 ${result.queries.presence.p95_ms} ms)`,
    `SSE per viewer     overview ${kb(result.sse_bytes_per_s.overview)}/s   detail (1 PLC) ${kb(result.sse_bytes_per_s.detail)}/s`,
    `new viewer gets    overview ${kb(newOverview.bytes)} in ${result.snapshot_ms.overview} ms   detail ${kb(newDetail.bytes)} in ${result.snapshot_ms.detail} ms   (hello + snapshot)`,
    `CPU                gateway+viewers ${result.cpu_percent.gateway_and_viewers}%   postgres ${result.cpu_percent.postgres}% (our cluster: the gateway's backends and background work, not the writer's backends)   writer ${result.cpu_percent.writer}%`,
    JSON.stringify(result),
  ].join('\n') + '\n',
);
process.exit(0);
