import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { ModbusTCPClient } from 'jsmodbus';
import { decodePlcImage, freePort, PLC_REGISTER_COUNT, PLC_STATUS, type CycleSample } from '@typedcluster/core';
import { startModbusSim, type ModbusSim } from '../cli/src/sim/modbus-sim.js';

/** Our simulated PLC read by jsmodbus, an implementation that shares no code with ours. */
describe('simulated Modbus PLC read by an independent client (jsmodbus) @integration', function () {
  this.timeout(30_000);
  let sim: ModbusSim;
  let socket: Socket;
  let client: ModbusTCPClient;
  const latched: CycleSample[] = [];

  before(async () => {
    // Speed 1: the registers stay still while the test reads them.
    sim = await startModbusSim({ plcs: 2, host: '127.0.0.1', basePort: await freePort(), temperature: 0, speed: 1, seed: 5, onCycle: (i, s) => i === 1 && latched.push(s) });
    socket = new Socket();
    client = new ModbusTCPClient(socket, 1, 2000);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      socket.connect({ host: '127.0.0.1', port: sim.ports[1]! });
    });
  });
  after(async () => {
    socket?.destroy();
    await sim?.stop();
  });

  it('serves PLC 2 on the next port, its registers following the register map', async () => {
    assert.equal(sim.ports[1], sim.ports[0]! + 1);
    const { response } = await client.readInputRegisters(0, PLC_REGISTER_COUNT);
    const words = response.body.valuesAsArray as number[];
    const d = decodePlcImage(words);
    assert.ok(d.ok, d.ok ? '' : `${d.error.code} ${d.error.message}`);
    assert.equal(d.value.status & PLC_STATUS.CYCLE_VALID, PLC_STATUS.CYCLE_VALID);
    const c = latched.at(-1)!;
    assert.equal(d.value.lastCycle?.cycleStart, c.cycleStart);
    assert.deepEqual(d.value.lastCycle?.phases, c.phases.map((r) => r.map((v) => Math.fround(v))));
  });

  it('answers part of the map, and exception 02 beyond it or for holding registers', async () => {
    const { response } = await client.readInputRegisters(0, 2);
    assert.deepEqual(response.body.valuesAsArray, [0x5443, 1]);
    await assert.rejects(client.readInputRegisters(PLC_REGISTER_COUNT - 1, 2), (e: { response?: { body?: { code?: number } } }) => e.response?.body?.code === 0x02);
    await assert.rejects(client.readHoldingRegisters(0, 1), (e: { response?: { body?: { code?: number } } }) => e.response?.body?.code === 0x02);
  });
});
