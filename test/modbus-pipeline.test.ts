import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, parseCredentials, sodiumReady, type CycleSample } from '@typedcluster/core';
import { startModbusSim, type ModbusSim } from '../cli/src/sim/modbus-sim.js';
import { metricValue, waitFor } from './support/modbus.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

interface PhaseRow {
  readonly cycle_start: Date;
  readonly cycle_no: string;
  readonly phase: number;
  readonly s1: number;
  readonly s2: number;
  readonly s3: number;
  readonly s4: number;
  readonly s5: number;
}

/**
 * Simulated Modbus PLCs → the platform's poller → sealed CYCLE frames →
 * broker → ingest-binary → verify-and-decrypt → store-reading → PostgreSQL.
 */
describe('modbus end to end: polled cycles stored through the real functions @integration', function () {
  this.timeout(240_000);
  let sim: ModbusSim;
  let tp: TestPlatform;
  const simulated = new Map<string, CycleSample>();

  before(async () => {
    await sodiumReady();
    const port = await freePort();
    sim = await startModbusSim({ plcs: 2, host: '127.0.0.1', basePort: port, temperature: 0.3, speed: 100, seed: 21, onCycle: (i, s) => simulated.set(`${i}:${s.cycleStart}`, s) });
    tp = await startTestPlatform({
      env: { MODBUS_TARGETS: `line-a@127.0.0.1:${port},line-b@127.0.0.1:${port + 1}`, MODBUS_POLL_MS: '30', MODBUS_TIMEOUT: '2s', MODBUS_RETRY_BACKOFF: '50ms', MODBUS_RETRY_BACKOFF_MAX: '500ms' },
    });
  });
  after(async () => {
    await sim?.stop();
    await tp?.stop();
  });

  it('stores every sealed cycle of each PLC exactly once, with the values the PLC had', async () => {
    const modbus = tp.platform.modbus;
    assert.ok(modbus, 'MODBUS_TARGETS started the poller');
    const sealed = () => [...modbus.poller.targets.values()].map((t) => t.stats.sealed);
    await waitFor('3 cycles sealed per PLC', () => sealed().every((n) => n >= 3), 120_000);
    await modbus.poller.stop(); // freeze the count; what was sealed must all arrive
    const [a = 0, b = 0] = sealed();

    const ids: number[] = [];
    for (const name of ['line-a', 'line-b']) {
      const creds = parseCredentials(await readFile(join(tp.home, 'devices', `${name}.json`), 'utf8'));
      assert.ok(creds.ok, `${name} was provisioned on start`);
      ids.push(creds.value.deviceId);
    }
    const rows = async (id: number) =>
      (await tp.database.db.query<PhaseRow>('SELECT cycle_start, cycle_no, phase, s1, s2, s3, s4, s5 FROM cycle_phases WHERE device_id = $1 ORDER BY cycle_start, phase', [id])).rows;
    await waitFor('every sealed cycle stored', async () => (await rows(ids[0]!)).length === 5 * a && (await rows(ids[1]!)).length === 5 * b, 60_000);

    for (const [plc, id] of ids.entries()) {
      const got = await rows(id);
      const starts = new Set(got.map((r) => r.cycle_start.getTime()));
      assert.equal(starts.size, got.length / 5, 'each cycle once');
      for (const r of got) {
        const s = simulated.get(`${plc}:${r.cycle_start.getTime()}`);
        assert.ok(s, `stored cycle ${r.cycle_start.toISOString()} of PLC ${plc + 1} was simulated`);
        assert.equal(Number(r.cycle_no), s.cycle);
        // PostgreSQL prints a real in its shortest form: back to float32 to compare.
        assert.deepEqual([r.s1, r.s2, r.s3, r.s4, r.s5].map((v) => Math.fround(v)), s.phases[r.phase - 1]!.map((v) => Math.fround(v)), `PLC ${plc + 1} cycle ${s.cycle} phase ${r.phase}`);
      }
    }
    const registry = tp.platform.gateway.metrics.registry;
    assert.equal(await metricValue(registry, 'typedcluster_modbus_polls_total', { outcome: 'garbage' }), 0);
    assert.equal(await metricValue(registry, 'typedcluster_modbus_cycles_total', { target: 'line-a', outcome: 'sealed' }), a);
  });
});
