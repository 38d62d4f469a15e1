import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createLogger, encodePlcImage, freePort, PLC_REGISTER_COUNT, PLC_REGISTERS, PLC_STATUS, type CycleInput, type CycleSample, type PlcImage } from '@typedcluster/core';
import { startModbusPoller, type ModbusConfig, type ModbusPoller } from '@typedcluster/gateway';
import { startModbusSim, type ModbusSim } from '../cli/src/sim/modbus-sim.js';
import { metricValue, startOtherServer, startRawServer, waitFor } from './support/modbus.js';

const T = Date.UTC(2026, 10, 21, 8);
const phasesOf = (k: number) => Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => k + p * 10 + s + 0.25));
const imageOf = (seq: number, k: number, extra: Partial<PlcImage> = {}): PlcImage => ({
  status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID,
  updateSeq: seq,
  phase: 5,
  phaseCycle: T / 30_000 + k,
  sensors: [1, 2, 3, 4, 5],
  lastCycle: { cycle: T / 30_000 + k, cycleStart: T + k * 30_000, phases: phasesOf(k) },
  ...extra,
});
const f32 = (rows: ReadonlyArray<ReadonlyArray<number>>) => rows.map((r) => r.map((v) => Math.fround(v)));

interface Harness {
  readonly poller: ModbusPoller;
  readonly registry: Registry;
  readonly cycles: CycleInput[];
  readonly lines: string[];
  metric(name: string, labels: Record<string, string>): Promise<number>;
}

function poll(port: number, over: Partial<ModbusConfig> = {}): Harness {
  const registry = new Registry();
  const cycles: CycleInput[] = [];
  const lines: string[] = [];
  const config: ModbusConfig = {
    targets: [{ name: 'plc-a', host: '127.0.0.1', port, unitId: 1 }],
    pollMs: 20,
    timeoutMs: 500,
    retryBackoffMs: 20,
    retryBackoffMaxMs: 100,
    maxAbsValue: 1e6,
    ...over,
  };
  const poller = startModbusPoller({ config, registry, log: createLogger('modbus', { sink: (l) => lines.push(l) }), onCycle: async (_t, c) => void cycles.push(c) });
  return { poller, registry, cycles, lines, metric: (name, labels) => metricValue(registry, name, { target: 'plc-a', ...labels }) };
}

describe('modbus poller against real servers on 127.0.0.1 @integration', function () {
  this.timeout(60_000);
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('our simulated PLC (modbus-serial server) ↔ our poller: every sealed cycle is the simulated one, none twice, no garbage', async () => {
    const port = await freePort();
    const simulated = new Map<number, CycleSample>();
    const sim: ModbusSim = await startModbusSim({ plcs: 1, host: '127.0.0.1', basePort: port, temperature: 0.5, speed: 150, seed: 11, onCycle: (_i, s) => simulated.set(s.cycleStart, s) });
    cleanup.push(() => sim.stop());
    const h = poll(port, { pollMs: 25 });
    cleanup.push(() => h.poller.stop());

    await waitFor('4 sealed cycles', () => h.cycles.length >= 4);
    const starts = h.cycles.map((c) => c.cycleStart);
    assert.deepEqual([...starts].sort((a, b) => a - b), starts, 'in order');
    assert.equal(new Set(starts).size, starts.length, 'each cycle once');
    for (const c of h.cycles) {
      const s = simulated.get(c.cycleStart);
      assert.ok(s, `sealed cycle ${c.cycleStart} was simulated`);
      assert.equal(c.cycle, s.cycle);
      assert.deepEqual(c.phases, f32(s.phases), 'the values as the PLC had them (float32)');
    }
    const missed = await h.metric('typedcluster_modbus_cycles_total', { outcome: 'missed' });
    assert.equal(h.cycles.length + missed, (starts.at(-1)! - starts[0]!) / 30_000 + 1, 'every cycle between the first and last sealed is sealed or counted missed');
    assert.equal(await h.metric('typedcluster_modbus_polls_total', { outcome: 'garbage' }), 0);
    assert.equal(await h.metric('typedcluster_modbus_up', {}), 1);
  });

  it('the poller against jsmodbus (an independent server): seals the latched cycle exactly as written', async () => {
    const other = await startOtherServer(await freePort(), encodePlcImage(imageOf(1, 0)));
    cleanup.push(() => other.stop());
    const h = poll(other.port);
    cleanup.push(() => h.poller.stop());
    await waitFor('a first poll', async () => (await h.metric('typedcluster_modbus_polls_total', { outcome: 'ok' })) >= 2);
    assert.equal(h.cycles.length, 0, 'the cycle latched before the poller started is a baseline, not sent');
    other.set(encodePlcImage(imageOf(2, 1)));
    await waitFor('the new cycle', () => h.cycles.length === 1);
    assert.deepEqual(h.cycles[0], { cycle: T / 30_000 + 1, cycleStart: T + 30_000, phases: phasesOf(1) });
  });

  it('reports garbage by reason and seals none of it; a good image afterwards is taken', async () => {
    const other = await startOtherServer(await freePort(), encodePlcImage(imageOf(1, 0)));
    cleanup.push(() => other.stop());
    const h = poll(other.port);
    cleanup.push(() => h.poller.stop());
    await waitFor('a baseline', async () => (await h.metric('typedcluster_modbus_polls_total', { outcome: 'ok' })) >= 1);

    const nan = encodePlcImage(imageOf(3, 1));
    nan.splice(PLC_REGISTERS.cycleValues + 6, 2, 0x7fc0, 0x0000); // NaN in phase 1 s4
    const garbage: Array<[string, number[]]> = [
      ['MODBUS_BAD_PHASE', encodePlcImage(imageOf(2, 1, { phase: 9 }))],
      ['MODBUS_BAD_VALUE', nan],
      ['MODBUS_BAD_MAP', new Array(PLC_REGISTER_COUNT).fill(0xffff)],
      ['MODBUS_BAD_VALUE', encodePlcImage(imageOf(4, 1, { sensors: [1, 2, 3e9, 4, 5] }))],
      ['MODBUS_DEVICE_FAULT', encodePlcImage(imageOf(5, 1, { status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID | PLC_STATUS.SENSOR_FAULT }))],
    ];
    for (const [reason, words] of garbage) {
      const before = await h.metric('typedcluster_modbus_rejected_total', { reason });
      other.set(words);
      await waitFor(`${reason} reported`, async () => (await h.metric('typedcluster_modbus_rejected_total', { reason })) > before);
    }
    // Registers that change under an unchanged counter.
    const okBefore = await h.metric('typedcluster_modbus_polls_total', { outcome: 'ok' });
    other.set(encodePlcImage(imageOf(6, 0)));
    await waitFor('a good poll of it', async () => (await h.metric('typedcluster_modbus_polls_total', { outcome: 'ok' })) > okBefore);
    other.set(encodePlcImage(imageOf(6, 2)));
    await waitFor('MODBUS_STALE_COUNTER reported', async () => (await h.metric('typedcluster_modbus_rejected_total', { reason: 'MODBUS_STALE_COUNTER' })) >= 1);
    assert.equal(h.cycles.length, 0, 'nothing sealed from garbage');
    assert.ok(h.lines.some((l) => l.includes('MODBUS_BAD_PHASE')), 'garbage is logged with its code');
    assert.equal(await h.metric('typedcluster_modbus_up', {}), 1, 'a PLC answering garbage is up, not trusted');

    other.set(encodePlcImage(imageOf(7, 3)));
    await waitFor('the good cycle', () => h.cycles.length === 1);
    assert.equal(h.cycles[0]?.cycleStart, T + 3 * 30_000);
  });

  it('reports Modbus exceptions and malformed answers (a short bank, a reply of the wrong size)', async () => {
    const cases: Array<[string, (port: number) => Promise<{ stop(): Promise<void> }>]> = [
      ['MODBUS_EXCEPTION', (port) => startRawServer(port, (unit) => Buffer.from([unit, 0x84, 0x02]))],
      ['MODBUS_BAD_RESPONSE', (port) => startRawServer(port, (unit) => Buffer.from([unit, 0x04, 4, 0, 1, 0, 2]))],
      // jsmodbus answers a read beyond its bank with the registers it has: fewer than asked.
      ['MODBUS_BAD_RESPONSE', (port) => startOtherServer(port, [0x5443, 1, 0])],
    ];
    for (const [reason, start] of cases) {
      const port = await freePort();
      const server = await start(port);
      cleanup.push(() => server.stop());
      const h = poll(port);
      cleanup.push(() => h.poller.stop());
      await waitFor(reason, async () => (await h.metric('typedcluster_modbus_rejected_total', { reason })) >= 2);
      assert.equal(h.cycles.length, 0);
      assert.equal(await h.metric('typedcluster_modbus_up', {}), 1, 'it answers, so it is up; what it says is not trusted');
    }
  });

  it('a PLC that stops answering is reported once, retried, reported again when back, and polling resumes', async () => {
    const other = await startOtherServer(await freePort(), encodePlcImage(imageOf(1, 0)));
    cleanup.push(() => other.stop());
    const h = poll(other.port);
    cleanup.push(() => h.poller.stop());
    await waitFor('up', () => h.poller.targets.get('plc-a')?.state === 'up');

    await other.stop();
    await waitFor('down', () => h.poller.targets.get('plc-a')?.state === 'down');
    await waitFor('several retries', async () => (await h.metric('typedcluster_modbus_polls_total', { outcome: 'unreachable' })) >= 4);
    assert.equal(await h.metric('typedcluster_modbus_up', {}), 0);
    assert.equal(await h.metric('typedcluster_modbus_outages_total', {}), 1, 'one outage, however many retries');
    assert.equal(h.lines.filter((l) => l.includes('is not answering')).length, 1, 'reported once');

    other.set(encodePlcImage(imageOf(2, 1))); // a cycle completed while it was away
    await other.restart();
    await waitFor('up again', () => h.poller.targets.get('plc-a')?.state === 'up');
    await waitFor('the cycle after the outage', () => h.cycles.length === 1);
    assert.equal(h.cycles[0]?.cycleStart, T + 30_000);
    assert.equal(h.lines.filter((l) => l.includes('answers again')).length, 1);
    assert.equal(await h.metric('typedcluster_modbus_up', {}), 1);
  });
});
