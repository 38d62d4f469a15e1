/**
 * bench:dashboard's writer, its own process so its CPU is not counted as the
 * dashboard's: stores one cycle per PLC every 30 s / speed through the real
 * reading store (what store-reading does), values inside the typical bands.
 * argv: JSON {url, plcs, speed, seconds, firstSeq}; prints one JSON line.
 */
import { createDatabase, createReadingStore, TYPICAL_MODEL, type CycleRecord } from '@typedcluster/core';

interface Job {
  readonly url: string;
  readonly plcs: number;
  readonly speed: number;
  readonly seconds: number;
  readonly firstSeq: number;
}

export function liveCycle(plc: number, seq: number, startMs: number): CycleRecord {
  const phases = Array.from({ length: 5 }, (_, p) =>
    Array.from({ length: 5 }, (_, s) => {
      const [lo, hi] = TYPICAL_MODEL[s]![p]!;
      return lo + (hi - lo) * (0.3 + 0.4 * Math.random());
    }),
  );
  return { type: 'cycle', device: plc, seq: String(seq), keyId: 1, cycleStart: new Date(startMs).toISOString(), cycle: seq, phases };
}

async function run(job: Job): Promise<{ cycles: number; cpuSeconds: number }> {
  const db = createDatabase(job.url, { max: 2 });
  const store = createReadingStore(db);
  const periodMs = 30_000 / job.speed;
  const t0 = Date.now();
  // Cycle times run at `speed` too, 30 s apart per PLC: at the wall clock, a cycle
  // every 3 s would overlap its predecessor's phases and read as late rows.
  const cycleStart = (seq: number) => t0 + (seq - job.firstSeq) * 30_000;
  const cpu0 = process.cpuUsage();
  // PLC i starts its cycles offset by i/plcs of a period, as real PLCs do not tick together.
  const next = Array.from({ length: job.plcs }, (_, i) => ({ plc: i + 1, seq: job.firstSeq, at: t0 + (i / job.plcs) * periodMs }));
  let cycles = 0;
  while (Date.now() - t0 < job.seconds * 1000) {
    const now = Date.now();
    const due = next.filter((n) => n.at <= now);
    if (due.length > 0) {
      const stored = await store.storeRecords(due.map((n) => liveCycle(n.plc, n.seq, cycleStart(n.seq))));
      if (!stored.ok) throw new Error(stored.error.message);
      for (const n of due) {
        n.seq++;
        n.at += periodMs;
      }
      cycles += due.length;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.cpuUsage(cpu0);
  await db.close();
  return { cycles, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await run(JSON.parse(process.argv[2] ?? '{}') as Job);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
