import { systemRandom } from '@typedcluster/core';
import type { Io } from '../command.js';
import { parseSimFlags } from './sim-flags.js';
import { startModbusSim, type ModbusSimStats } from './modbus-sim.js';

export const DEFAULT_MODBUS_PORT = 5020;

/** The device names `typedcluster up` files polled PLCs under, in MODBUS_TARGETS (docs/modbus.md §6). */
export const modbusPlcName = (i: number) => `modbus-plc-${i}`;

const line = (s: ModbusSimStats) => `sim: ${s.cycles} cycles latched (${s.anomalies} anomalies) on ${s.plcs} PLCs, ${s.requests} Modbus requests answered`;

/**
 * `typedcluster sim --modbus`: the simulated PLCs as Modbus TCP servers
 * (docs/modbus.md) instead of MQTT devices. Nothing is sent: the platform's
 * poller reads them. Runs until `stop` aborts.
 */
export async function runModbusSim(values: Record<string, string | boolean | undefined>, io: Io, stop: AbortSignal): Promise<number> {
  const flags = parseSimFlags(values, io.env);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  if (f.stream !== 'cycle') {
    io.err('error: --stream reading cannot be used with --modbus: Modbus PLCs serve cycles');
    return 2;
  }
  if (f.cycles !== undefined) {
    io.err('error: --cycles cannot be used with --modbus: the PLCs serve until Ctrl-C');
    return 2;
  }
  const portRaw = typeof values['modbus-port'] === 'string' ? values['modbus-port'].trim() : String(DEFAULT_MODBUS_PORT);
  const basePort = /^\d{1,5}$/.test(portRaw) ? Number(portRaw) : NaN;
  if (!(basePort >= 1 && basePort + f.plcs - 1 <= 65535)) {
    io.err(`error: --modbus-port ${portRaw} is not a port such that ${portRaw}..${portRaw}+${f.plcs - 1} lie in 1..65535`);
    return 2;
  }
  const host = typeof values['modbus-host'] === 'string' && values['modbus-host'].trim() !== '' ? values['modbus-host'].trim() : '127.0.0.1';
  const seed = f.seed ?? Buffer.from(systemRandom(4)).readUInt32BE(0);
  const sim = await startModbusSim({ plcs: f.plcs, host, basePort, temperature: f.temperature, speed: f.speed, seed, ...(f.startTime === undefined ? {} : { startTime: f.startTime }) });
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  io.out(`simulating ${f.plcs} Modbus TCP PLC${f.plcs > 1 ? 's' : ''} on ${host} ports ${basePort}..${basePort + f.plcs - 1} (unit id 1, input registers: docs/modbus.md): temperature ${f.temperature}, speed ${f.speed}, seed ${seed}`);
  io.out(`poll them with: MODBUS_TARGETS=${sim.ports.map((p, i) => `${modbusPlcName(i + 1)}@${shown}:${p}`).join(',')} typedcluster up`);
  io.out('Press Ctrl-C to stop.');
  let last = '';
  const progress = setInterval(() => {
    const l = line(sim.stats);
    if (l !== last) io.out(l);
    last = l;
  }, 1000);
  try {
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  } finally {
    clearInterval(progress);
    io.err('stopping…');
    await sim.stop();
  }
  io.out(line(sim.stats));
  return 0;
}
