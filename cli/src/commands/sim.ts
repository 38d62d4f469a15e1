import { DEFAULT_MQTT_PORT } from '@typedcluster/broker';
import type { Command } from '../command.js';
import { runUntilStopped } from '../run-until-stopped.js';
import { runSim } from '../sim/run-sim.js';
import { DEFAULT_MODBUS_PORT, runModbusSim } from '../sim/run-modbus-sim.js';

// The pieces of `typedcluster sim` live in cli/src/sim/; re-exported here, where callers and tests import them.
export { runSim } from '../sim/run-sim.js';
export { parseSimFlags } from '../sim/sim-flags.js';
export type { SimFlags } from '../sim/sim-flags.js';
export { ensureSimDevices, simDeviceNames } from '../sim/sim-devices.js';
export { progressLine } from '../sim/progress-line.js';
export { startSimulator } from '../sim/simulator.js';
export type { Simulator, SimulatorOptions, SimulatorStats } from '../sim/simulator.js';

export const sim: Command = {
  path: ['sim'],
  summary: 'Simulate PLCs (or sensors) publishing secured frames over MQTT in real time, with anomalies',
  usage: '[--plcs N] [--temperature 0..1] [--speed X] [--seed N] [--stream cycle|reading] [--cycles N] [--mqtt-url URL] [--model FILE] [--replay FILE_OR_DIR] [--modbus [--modbus-port BASE]]',
  options: {
    plcs: { type: 'string', short: 'n', default: '3', description: 'simulated devices, 1..1000' },
    temperature: { type: 'string', short: 't', default: '0.1', description: 'anomalies, 0 (none) … 1 (often and strong): spikes, drifts, stuck sensors, noise bursts, swapped phases, silent PLCs' },
    speed: { type: 'string', short: 's', default: '1', description: 'simulated seconds per second: 10 sends a 30 s cycle every 3 s' },
    seed: { type: 'string', description: 'seed of the simulated values and anomalies, 0..4294967295 (default: random, printed)' },
    stream: { type: 'string', default: 'cycle', description: '"cycle": PLC cycle frames (5 phases × 5 sensors) every 30 s; "reading": temperature, pressure, humidity every 1 s' },
    cycles: { type: 'string', description: 'stop after N cycles (or readings) per device, once the broker has them all (default: run until Ctrl-C)' },
    'mqtt-url': { type: 'string', description: `broker (default: $MQTT_URL, else the embedded broker of "typedcluster up", mqtt://127.0.0.1:$MQTT_PORT, port ${DEFAULT_MQTT_PORT})` },
    'outbox-max-mb': { type: 'string', default: '16', description: 'per-device outbox limit; when full, new frames are refused and reported' },
    bundle: { type: 'string', default: '1', description: 'frames per MQTT message at most when an outbox backlog is sent (wire-format §6.5); needs the TypedCluster gateway as consumer' },
    'start-time': { type: 'string', description: 'simulated time at start, ISO 8601 (default: now)' },
    model: { type: 'string', description: "a plant's phase model in the shape of modelo_tipico.json (default: $PHASE_MODEL_FILE, else the built-in one)" },
    replay: { type: 'string', description: 'replay a data set of "sim historical" (a serie_temporal_<day>.json or its folder) instead of generating; PLC n is device sim-plc-n' },
    modbus: { type: 'boolean', description: 'serve each PLC as a Modbus TCP server (docs/modbus.md) instead of publishing over MQTT' },
    'modbus-port': { type: 'string', default: String(DEFAULT_MODBUS_PORT), description: 'with --modbus: PLC n listens on this port + n - 1' },
    'modbus-host': { type: 'string', default: '127.0.0.1', description: 'with --modbus: address to listen on (0.0.0.0 for the network)' },
  },
  details: [
    'Each device uses its credentials file $TYPEDCLUSTER_HOME/devices/sim-plc-<n>.json (sim-sensor-<n>',
    'for --stream reading); missing ones are provisioned in the platform database, with an MQTT password.',
    'Each device opens a session (a SESSION frame), then publishes sealed frames with QoS 1 to',
    'plc/<id>/cycle (sensor/<id>/reading), username = its id, password = its mqttPassword.',
    '',
    'Store and forward: every frame is first written to the device\'s outbox,',
    '$TYPEDCLUSTER_HOME/outbox/<device-name>/, and removed only once the broker acknowledged it.',
    'While the broker or the network is down the outbox fills; it is replayed in order on reconnect,',
    'also after a restart of the simulator. A full outbox refuses new frames (reported, exit code 1).',
    '',
    'The same --seed gives the same values and anomaly labels (the sealed bytes differ: fresh keys and nonces).',
    'A CYCLE frame carries values only: a silent PLC sends nothing for those cycles, swapped phases arrive',
    'in the order they ran, and phase-too-long (durations) exists only in "sim historical" data sets.',
    '',
    'Replay (--replay): sends a data set of "typedcluster sim historical" as these frames, each cycle when it',
    'has ended by the file\'s clock, --speed times as fast; silent cycles are not sent; stops at the end.',
    '',
    'Modbus (--modbus): no MQTT and no credentials; PLC n is a Modbus TCP server on --modbus-port + n - 1,',
    'unit id 1, its input registers following its cycle in simulated time (docs/modbus.md). "typedcluster up"',
    'with MODBUS_TARGETS polls them and sends their cycles into the pipeline; the line to use is printed.',
    '',
    'Examples:',
    '  typedcluster sim --plcs 5 --temperature 0.3',
    '  typedcluster sim --speed 60 --seed 42 --cycles 120',
    '  typedcluster sim --stream reading --plcs 2',
    '  typedcluster sim --replay data/ --speed 600',
    '  typedcluster sim --modbus --plcs 3 --modbus-port 5020   # then: MODBUS_TARGETS=modbus-plc-1@127.0.0.1:5020,… typedcluster up',
  ],
  run(values, _positionals, io) {
    return runUntilStopped((signal) => (values['modbus'] === true ? runModbusSim : runSim)(values, io, signal));
  },
};
