/**
 * Prints storeRecords throughput on 500-cycle batches (2,500 cycle_phases
 * rows + 500 frames rows each) against a throwaway embedded PostgreSQL.
 * Run: node --conditions=typescript --import tsx core/src/db/measure-store-throughput.ts
 * A script, not a test: timings on a shared machine make poor assertions.
 */
import { createDeviceRegistry } from './device-registry.js';
import { createReadingStore } from './reading-store.js';
import { cycleRecord } from './test-records.js';
import { createTestDatabase } from './test-support.js';

const BATCH = 500;
const ROUNDS = 20;

async function main(): Promise<void> {
  const t = await createTestDatabase('throughput');
  try {
    const registry = createDeviceRegistry(t.db);
    await registry.addDevice({ id: 1, name: 'bench', identityPublicKey: new Uint8Array(32) });
    const store = createReadingStore(t.db);
    const batch = (round: number) => Array.from({ length: BATCH }, (_, i) => cycleRecord(1, round * BATCH + i));
    await store.storeRecords(batch(ROUNDS)); // warm-up: connection, plan cache
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const records = batch(round);
      const start = process.hrtime.bigint();
      const r = await store.storeRecords(records);
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (!r.ok || r.value.some((o) => o !== 'stored')) throw new Error(`round ${round} did not store everything`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? NaN;
    const phaseRows = BATCH * 5;
    console.log(`500-cycle batch: median ${median.toFixed(1)} ms, best ${times[0]?.toFixed(1)} ms over ${ROUNDS} batches`);
    console.log(`  ${Math.round((phaseRows / median) * 1000).toLocaleString('en')} cycle_phases rows/s (${Math.round(((phaseRows + BATCH) / median) * 1000).toLocaleString('en')} rows/s counting frames)`);
    const dup = process.hrtime.bigint();
    await store.storeRecords(batch(0));
    console.log(`  all-duplicate batch: ${(Number(process.hrtime.bigint() - dup) / 1e6).toFixed(1)} ms`);
  } finally {
    await t.drop();
  }
  process.exit(0);
}

await main();
