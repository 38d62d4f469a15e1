import { join } from 'node:path';
import { createLogger, loadPhaseModel, systemRandom } from '@typedcluster/core';
import { readCliConfig } from '../cli-config.js';
import type { Io } from '../command.js';
import { progressLine } from './progress-line.js';
import { ensureSimDevices, simDeviceNames } from './sim-devices.js';
import { openReplaySource } from './replay-source.js';
import { parseSimFlags } from './sim-flags.js';
import { startSimulator } from './simulator.js';

/**
 * `typedcluster sim` with its stop signal injected (Ctrl-C in the command):
 * validates the flags, finds or provisions the devices, runs the simulator
 * with a progress line at most once per second, and stops cleanly.
 */
export async function runSim(values: Record<string, string | boolean | undefined>, io: Io, stop: AbortSignal): Promise<number> {
  const flags = parseSimFlags(values, io.env, io.cwd);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  const config = readCliConfig(io.env, io.cwd);
  const log = createLogger('sim', { level: config.logLevel, sink: io.err });
  const replay = f.replay === undefined ? undefined : await openReplaySource(f.replay);
  const model = f.model === undefined ? undefined : loadPhaseModel(f.model);
  // A replayed PLC n is sent by device sim-plc-n, so a data set and a live run of the same PLCs share devices.
  const names = replay ? replay.plcs.map((plc) => `sim-plc-${plc}`) : simDeviceNames(f.stream, f.plcs);
  const { devices, provisioned } = await ensureSimDevices(io, names);
  if (provisioned.length) io.out(`provisioned ${provisioned.join(', ')}`);
  const seed = f.seed ?? Buffer.from(systemRandom(4)).readUInt32BE(0);
  const simulator = await startSimulator({
    mqttUrl: f.mqttUrl,
    devices,
    outboxRoot: join(config.home, 'outbox'),
    stream: f.stream,
    temperature: f.temperature,
    speed: f.speed,
    seed,
    ...(f.cycles === undefined ? {} : { cycles: f.cycles }),
    ...(f.startTime === undefined ? {} : { startTime: f.startTime }),
    ...(model ? { model } : {}),
    ...(replay ? { replay: { rows: replay.rows, plcs: replay.plcs } } : {}),
    log,
    outboxMaxBytes: f.outboxMaxBytes,
    bundle: f.bundle,
  });
  if (replay) {
    io.out(`replaying ${replay.files.length} file${replay.files.length > 1 ? 's' : ''} (${replay.plcs.length} PLCs as ${names[0]}…) via ${f.mqttUrl} at speed ${f.speed}`);
  } else {
    const what = f.stream === 'cycle' ? `${f.plcs} PLC${f.plcs > 1 ? 's' : ''} (plc/<id>/cycle)` : `${f.plcs} sensor${f.plcs > 1 ? 's' : ''} (sensor/<id>/reading)`;
    io.out(`simulating ${what} via ${f.mqttUrl}: temperature ${f.temperature}, speed ${f.speed}, seed ${seed} (--seed ${seed} repeats the values)`);
  }
  io.out('Press Ctrl-C to stop; frames not yet published stay in the outboxes for the next run.');

  let last = '';
  const progress = setInterval(() => {
    const line = progressLine(simulator.stats, f.stream);
    if (line !== last) io.out(line);
    last = line;
  }, 1000);
  const stopped = new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  try {
    if (f.cycles === undefined && !replay) await stopped;
    else {
      const finished = (async () => {
        await simulator.generated;
        if (stop.aborted || (await simulator.drained(500))) return;
        if (simulator.stats.buffered > 0 && !stop.aborted) {
          io.out(`all ${replay ? 'replayed' : `${f.cycles}`} ${f.stream === 'cycle' ? 'cycles' : 'readings'} ${replay ? '' : 'per device '}generated; waiting for the broker to take ${simulator.stats.buffered} buffered frames`);
        }
        while (!stop.aborted && !(await simulator.drained(1000)));
      })();
      await Promise.race([finished, stopped]);
    }
  } finally {
    clearInterval(progress);
    if (stop.aborted) io.err('stopping…');
    await simulator.stop();
  }
  io.out(progressLine(simulator.stats, f.stream));
  const { refused } = simulator.stats;
  if (refused > 0) {
    io.err(`error OUTBOX_FULL: ${refused} frames were refused because an outbox was full; they were not sent (raise --outbox-max-mb, or get the broker back)`);
    return 1;
  }
  return 0;
}
