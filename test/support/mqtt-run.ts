import { join } from 'node:path';
import { createLogger, type DeviceCredentials, type Queryable } from '@typedcluster/core';
import { startSimulator, type Simulator } from '../../cli/src/sim/simulator.js';

/** Starts the simulator for `devices` (PLCs, cycle stream) against `mqttUrl`, with outboxes under `home`. */
export function simulate(mqttUrl: string, home: string, devices: readonly DeviceCredentials[], cycles: number, speed: number): Promise<Simulator> {
  return startSimulator({
    mqttUrl,
    devices,
    outboxRoot: join(home, 'outbox'),
    stream: 'cycle',
    temperature: 0.3,
    speed,
    seed: 7,
    cycles,
    log: createLogger('sim', { level: 'error', sink: () => {} }),
  });
}

/** Phase rows stored for these devices: all of them, and distinct (device, seq, phase). */
export async function phaseRows(db: Queryable, ids: readonly number[]): Promise<{ rows: number; distinct: number }> {
  const r = await db.query<{ rows: string; distinct: string }>(
    'SELECT count(*) AS rows, count(DISTINCT (device_id, seq, phase)) AS distinct FROM cycle_phases WHERE device_id = ANY($1)', [ids]);
  return { rows: Number(r.rows[0]?.rows), distinct: Number(r.rows[0]?.distinct) };
}

/**
 * Waits until `expected` phase rows are stored (or the time is up), then a
 * little longer, so a late duplicate or an extra row would still be seen.
 */
export async function settledPhaseRows(db: Queryable, ids: readonly number[], expected: number, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await phaseRows(db, ids);
  while (last.rows < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await phaseRows(db, ids);
  }
  await new Promise((r) => setTimeout(r, 1000));
  return phaseRows(db, ids);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
