/**
 * Prints what storeRecords costs per frame against a throwaway embedded
 * PostgreSQL: batches of 200 and 1000 cycle frames (5 cycle_phases rows
 * each) and of reading frames, spread over 20 devices. Per frame: the JS
 * time before the query is sent (checking, de-duplicating, sorting,
 * building the parameters), the node process's
 * CPU, the PostgreSQL backend's CPU (/proc/<pg_backend_pid()>/stat) and the
 * whole server's (backend + WAL writer and other helpers); per batch the
 * median wall time. A JSON line last.
 * Run: npm run bench:store -- [--rounds N] [--drop INDEX]...
 *   --drop cycle_phases_frame_once | cycle_phases_device_phase_start | frames_device_id_fkey | readings_device_ts | …
 *   drops that index or constraint in the throwaway database first, to weigh what it costs.
 * A script, not a test: timings on a shared machine make poor assertions.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { TextRecord } from '@typedcluster/core';
import { createDatabase, type Database } from '../core/src/db/database.js';
import { createDeviceRegistry } from '../core/src/db/device-registry.js';
import { createReadingStore } from '../core/src/db/reading-store.js';
import { cycleRecord, readingRecord } from '../core/src/db/test-records.js';
import { createTestDatabase, getTestPostgres } from '../core/src/db/test-support.js';
import { cpuSeconds } from './cpu-usage.js';

const DEVICES = 20;
const FRAMES_PER_SCENARIO = 30_000; // rounds = this / batch size, so every scenario stores as many frames

const { values: args } = parseArgs({ options: { rounds: { type: 'string' }, drop: { type: 'string', multiple: true, default: [] } } });

interface Scenario {
  readonly kind: 'cycle' | 'reading';
  readonly batch: number;
}
const SCENARIOS: readonly Scenario[] = [
  { kind: 'cycle', batch: 200 },
  { kind: 'cycle', batch: 1000 },
  { kind: 'reading', batch: 200 },
  { kind: 'reading', batch: 1000 },
];

interface Figures {
  kind: string;
  batch: number;
  frames: number;
  jsUsPerFrame: number;
  nodeCpuUsPerFrame: number;
  pgBackendCpuUsPerFrame: number;
  pgServerCpuUsPerFrame: number;
  wallMsPerBatch: number;
  framesPerSecond: number;
  rowsPerSecond: number;
}

/** CPU seconds of the postmaster and all its children (backends, WAL writer, checkpointer…). */
async function serverCpuSeconds(postmaster: number): Promise<number> {
  const children = (await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '')).split(' ').filter(Boolean);
  let total = (await cpuSeconds(postmaster)) ?? 0;
  for (const pid of children) total += (await cpuSeconds(Number(pid))) ?? 0;
  return total;
}

/** The db, timing how long storeRecords works before it hands the statement to pg. */
function timedDatabase(db: Database): { db: Database; lastQueryAt: () => bigint } {
  let at = 0n;
  const query: Database['query'] = (text, params) => {
    at = process.hrtime.bigint();
    return db.query(text, params);
  };
  return { db: { ...db, query }, lastQueryAt: () => at };
}

async function main(): Promise<void> {
  const t = await createTestDatabase('throughput');
  // One connection, so pg_backend_pid() is the backend that runs every batch.
  const single = createDatabase(t.url, { max: 1 });
  try {
    for (const name of args.drop) {
      if (!/^[a-z_]+$/.test(name)) throw new Error(`--drop ${name}: not an index or constraint name`);
      const owner = (await t.db.query<{ t: string }>('SELECT conrelid::regclass::text AS t FROM pg_constraint WHERE conname = $1', [name])).rows[0];
      await t.db.query(owner ? `ALTER TABLE ${owner.t} DROP CONSTRAINT ${name}` : `DROP INDEX ${name}`);
      console.log(`dropped ${name}`);
    }
    const registry = createDeviceRegistry(t.db);
    for (let id = 1; id <= DEVICES; id++) await registry.addDevice({ id, name: `bench-${id}`, identityPublicKey: new Uint8Array(32) });
    const timed = timedDatabase(single);
    const store = createReadingStore(timed.db);
    const backend = Number((await single.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    const postmaster = (await getTestPostgres()).pid;
    console.log(`PostgreSQL backend pid ${backend} (for perf record -p)`);
    // Device i % 20, rising seq per device, as 20 PLCs sending at once would.
    let nextSeq = 0;
    const batch = (kind: Scenario['kind'], size: number): TextRecord[] => {
      const base = nextSeq;
      nextSeq += Math.ceil(size / DEVICES);
      return Array.from({ length: size }, (_, i) => {
        const device = 1 + (i % DEVICES);
        const seq = base + Math.floor(i / DEVICES);
        if (kind === 'reading') return readingRecord(device, seq, { temperature: sensor(seq, 0), pressure: sensor(seq, 1), humidity: sensor(seq, 2) });
        return cycleRecord(device, seq, { phases: Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => sensor(seq, p * 5 + s))) });
      });
    };

    const results: Figures[] = [];
    for (const s of SCENARIOS) {
      const rounds = Number(args.rounds ?? FRAMES_PER_SCENARIO / s.batch);
      for (let i = 0; i < 5; i++) await store.storeRecords(batch(s.kind, s.batch)); // warm-up: plan cache, V8's optimiser
      const batches = Array.from({ length: rounds }, () => batch(s.kind, s.batch));
      const walls: number[] = [];
      let jsNs = 0n;
      const cpu0 = process.cpuUsage();
      const pg0 = (await cpuSeconds(backend)) ?? NaN;
      const server0 = postmaster ? await serverCpuSeconds(postmaster) : NaN;
      for (const [round, records] of batches.entries()) {
        const start = process.hrtime.bigint();
        const r = await store.storeRecords(records);
        walls.push(Number(process.hrtime.bigint() - start) / 1e6);
        jsNs += timed.lastQueryAt() - start;
        if (!r.ok || r.value.some((o) => o !== 'stored')) throw new Error(`${s.kind} round ${round} did not store everything: ${JSON.stringify(r).slice(0, 300)}`);
      }
      const cpu = process.cpuUsage(cpu0);
      const pg = ((await cpuSeconds(backend)) ?? NaN) - pg0;
      const server = postmaster ? (await serverCpuSeconds(postmaster)) - server0 : NaN;
      walls.sort((a, b) => a - b);
      const wall = walls[Math.floor(walls.length / 2)] ?? NaN;
      const frames = rounds * s.batch;
      const rowsPerFrame = s.kind === 'cycle' ? 5 : 1;
      results.push({
        kind: s.kind,
        batch: s.batch,
        frames,
        jsUsPerFrame: round1(Number(jsNs) / 1e3 / frames),
        nodeCpuUsPerFrame: round1((cpu.user + cpu.system) / frames),
        pgBackendCpuUsPerFrame: round1((pg * 1e6) / frames),
        pgServerCpuUsPerFrame: round1((server * 1e6) / frames),
        wallMsPerBatch: round1(wall),
        framesPerSecond: Math.round((s.batch / wall) * 1000),
        rowsPerSecond: Math.round(((s.batch * rowsPerFrame) / wall) * 1000),
      });
    }

    console.log(`per frame (${DEVICES} devices${args.drop.length ? `, without ${args.drop.join(', ')}` : ''}); CPU from /proc at 10 ms resolution over the whole scenario`);
    console.log('kind     batch  frames   JS µs  node CPU µs  PG backend µs  PG server µs  wall ms/batch  measurement rows/s');
    for (const f of results) {
      console.log(
        `${f.kind.padEnd(8)} ${String(f.batch).padStart(5)} ${String(f.frames).padStart(7)} ${f.jsUsPerFrame.toFixed(1).padStart(7)} ${f.nodeCpuUsPerFrame.toFixed(1).padStart(12)} ${f.pgBackendCpuUsPerFrame.toFixed(1).padStart(14)} ${f.pgServerCpuUsPerFrame.toFixed(1).padStart(13)} ${f.wallMsPerBatch.toFixed(1).padStart(14)} ${f.rowsPerSecond.toLocaleString('en').padStart(19)}`,
      );
    }
    const dupStart = process.hrtime.bigint();
    nextSeq = 0;
    const dup = await store.storeRecords(batch('cycle', 1000));
    const dupMs = Number(process.hrtime.bigint() - dupStart) / 1e6;
    if (!dup.ok || dup.value.some((o) => o !== 'duplicate')) throw new Error('the repeated batch was not all duplicates');
    console.log(`all-duplicate 1000-cycle batch: ${dupMs.toFixed(1)} ms`);
    console.log(JSON.stringify({ bench: 'store-throughput', devices: DEVICES, dropped: args.drop, scenarios: results, duplicateBatchMs: round1(dupMs) }));
  } finally {
    await single.close();
    await t.drop();
  }
  process.exit(0);
}

/** A float32 value as decoded from the wire (most print with 8 to 17 digits), not a short decimal. */
const sensor = (seq: number, k: number): number => Math.fround(20 + ((seq * 7919 + k * 131) % 1000) / 37);

const round1 = (n: number): number => Math.round(n * 10) / 10;

await main();
