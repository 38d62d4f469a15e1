import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createDeviceSender,
  createLogger,
  createMqttCredentialStore,
  createRateLimitedLog,
  openOutbox,
  parseCredentials,
  serializeCredentials,
  sodiumReady,
  startMqttDeviceLink,
  startRealTime,
  StartupError,
  systemRandom,
  TOPICS,
  type DeviceCredentials,
  type DeviceSender,
  type Logger,
  type MqttDeviceLink,
  type Outbox,
  type RandomSource,
  type SimSample,
  type SimStream,
} from '@typedcluster/core';
import { DEFAULT_MQTT_PORT } from '@typedcluster/broker';
import { readCliConfig } from '../cli-config.js';
import type { Command, Io } from '../command.js';
import { ensureDemoDevice } from '../platform/demo-devices.js';
import { withPlatform } from '../platform/with-platform.js';

export interface SimulatorOptions {
  /** mqtt://host:port (or mqtts://, ws://…). */
  readonly mqttUrl: string;
  /** One per simulated PLC (stream 'cycle') or sensor (stream 'reading'), each with its mqttPassword. */
  readonly devices: readonly DeviceCredentials[];
  /** Each device's outbox is `<outboxRoot>/<device name>/`. */
  readonly outboxRoot: string;
  readonly stream: SimStream;
  /** 0 (no anomalies) … 1. */
  readonly temperature: number;
  /** Simulated seconds per second, > 0. */
  readonly speed: number;
  /** Same seed → same values and anomaly labels. */
  readonly seed: number;
  /** Stop generating after this many samples per device. */
  readonly cycles?: number;
  /** Simulated time at start, ms since the epoch (default now). */
  readonly startTime?: number;
  readonly log: Logger;
  /** Wall clock: session clocks, seq (wire-format §2.3.3), the scheduler. */
  readonly now?: () => number;
  /** Keys and nonces; default the system CSPRNG. Never the simulation seed. */
  readonly random?: RandomSource;
  /** Per-device outbox limit (default 16 MiB); beyond it new frames are refused, loudly. */
  readonly outboxMaxBytes?: number;
  /** Sees every sample with its anomaly labels (for labelling and tests). */
  readonly onSample?: (device: DeviceCredentials, sample: SimSample) => void;
}

export interface SimulatorStats {
  readonly devices: number;
  /** Samples generated: cycles or readings. */
  readonly generated: number;
  /** Anomaly episodes started. */
  readonly anomalies: number;
  /** Frames the broker acknowledged (SESSION frames and repeats after a reconnect included). */
  readonly published: number;
  /** Frames waiting in the outboxes. */
  readonly buffered: number;
  /** Frames refused because an outbox was full: lost, and reported. */
  readonly refused: number;
  /** Devices connected to the broker now. */
  readonly connected: number;
}

export interface Simulator {
  readonly seed: number;
  readonly stats: SimulatorStats;
  /** Simulated time now. */
  simTime(): number;
  /** Resolves once every device has generated `cycles` samples (never without `cycles`) or the simulator stopped. */
  readonly generated: Promise<void>;
  /** True once every outbox is empty; false after timeoutMs. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops generating, gives PUBACKs in flight a second, closes the links and the outboxes. Idempotent. */
  stop(): Promise<void>;
}

const SESSION_MAX_AGE_MS = 24 * 3600 * 1000; // wire-format §3.5: rotate at least daily

interface SimDevice {
  readonly credentials: DeviceCredentials;
  readonly sender: DeviceSender;
  readonly outbox: Outbox;
  link: MqttDeviceLink | undefined;
  sessionAt: number;
}

/**
 * Runs simulated PLCs (or sensors) in real time: each device seals its
 * samples into frames (a SESSION frame first, as every device process
 * does), appends them to its on-disk outbox, and its MQTT link publishes
 * them in order to `plc/{id}/cycle` (or `sensor/{id}/reading`). While the
 * broker is away the outboxes fill; when it is back they are replayed. A
 * full outbox refuses frames: counted in `stats.refused` and logged as an
 * error, never dropped silently.
 */
export async function startSimulator(o: SimulatorOptions): Promise<Simulator> {
  if (o.devices.length === 0) throw new StartupError('CONFIG_INVALID', 'no devices to simulate', 'pass at least one device');
  await sodiumReady();
  const now = o.now ?? Date.now;
  const random = o.random ?? systemRandom;
  const refusedLog = createRateLimitedLog(o.log, { burst: 3, windowMs: 10_000 });
  const linkWarn = createRateLimitedLog(o.log, { burst: 3, windowMs: 60_000 }); // one broker outage, a few lines
  const counters = { generated: 0, anomalies: 0, refused: 0 };
  const devices: SimDevice[] = [];
  const closeAll = async () => {
    await Promise.all(devices.map((d) => d.link?.close(1000)));
    await Promise.all(devices.map((d) => d.outbox.close()));
  };

  const append = async (d: SimDevice, frame: Uint8Array): Promise<void> => {
    const r = await d.outbox.append(frame);
    if (r.ok) {
      d.link?.notify();
      return;
    }
    counters.refused++;
    refusedLog(`refused-${d.credentials.deviceId}`, `FRAME REFUSED, NOT SENT: error ${r.error.code}: ${r.error.message}`, { device: d.credentials.deviceId, refused: counters.refused });
  };

  try {
    for (const credentials of o.devices) {
      const outbox = await openOutbox(join(o.outboxRoot, credentials.name), o.outboxMaxBytes === undefined ? {} : { maxBytes: o.outboxMaxBytes });
      const d: SimDevice = { credentials, outbox, sender: createDeviceSender({ credentials, random, now }), link: undefined, sessionAt: now() };
      devices.push(d);
      if (outbox.recovered.records > 0) o.log.info('outbox holds frames from an earlier run; they go first', { device: credentials.deviceId, frames: outbox.recovered.records });
      if (outbox.recovered.tornBytes > 0) o.log.warn('outbox ended in a torn record (a crash while writing); dropped it', { device: credentials.deviceId, bytes: outbox.recovered.tornBytes });
      await append(d, d.sender.sessionFrame()); // a device process opens its session first (wire-format §3.5)
      d.link = startMqttDeviceLink({
        url: o.mqttUrl,
        credentials,
        topic: o.stream === 'cycle' ? TOPICS.plcCycle(credentials.deviceId) : TOPICS.sensorReading(credentials.deviceId),
        outbox,
        log: o.log.child(credentials.name),
        warn: linkWarn,
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  const run = startRealTime({
    devices: devices.length,
    stream: o.stream,
    temperature: o.temperature,
    speed: o.speed,
    seed: o.seed,
    ...(o.cycles === undefined ? {} : { cycles: o.cycles }),
    ...(o.startTime === undefined ? {} : { startTime: o.startTime }),
    now,
    onError: (e) => o.log.error('simulated device failed', { error: e as Error }),
    emit: async (index, sample) => {
      const d = devices[index]!;
      if (now() - d.sessionAt >= SESSION_MAX_AGE_MS) {
        d.sessionAt = now();
        await append(d, d.sender.rotate());
      }
      const frame = sample.kind === 'cycle' ? d.sender.cycleFrame(sample) : d.sender.readingFrame(sample);
      counters.generated++;
      counters.anomalies += sample.anomalies.filter((l) => l.step === 0).length;
      o.onSample?.(d.credentials, sample);
      await append(d, frame);
    },
  });

  let stopping: Promise<void> | undefined;
  const empty = () => devices.every((d) => d.outbox.size === 0 && d.outbox.pendingBytes === 0);
  return {
    seed: o.seed,
    get stats(): SimulatorStats {
      return {
        devices: devices.length,
        generated: counters.generated,
        anomalies: counters.anomalies,
        published: devices.reduce((n, d) => n + (d.link?.stats.published ?? 0), 0),
        buffered: devices.reduce((n, d) => n + d.outbox.size, 0),
        refused: counters.refused,
        connected: devices.filter((d) => d.link?.stats.connected).length,
      };
    },
    simTime: () => run.simTime(),
    generated: run.done,
    async drained(timeoutMs) {
      const results = await Promise.all(devices.map((d) => d.link?.drained(timeoutMs) ?? Promise.resolve(true)));
      return results.every(Boolean) && empty();
    },
    stop() {
      stopping ??= (async () => {
        await run.stop();
        await closeAll();
      })();
      return stopping;
    },
  };
}

/** The names of the simulator's devices: sim-plc-1… or sim-sensor-1…. */
export const simDeviceNames = (stream: SimStream, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${stream === 'cycle' ? 'sim-plc' : 'sim-sensor'}-${i + 1}`);

/**
 * The simulator's devices, from their credentials files in
 * $TYPEDCLUSTER_HOME/devices. Only when a file is missing, unreadable or
 * without an MQTT password is the platform database opened, to provision
 * the device (or give an older one its MQTT password).
 */
export async function ensureSimDevices(io: Io, names: readonly string[]): Promise<{ devices: DeviceCredentials[]; provisioned: string[] }> {
  const config = readCliConfig(io.env, io.cwd);
  const fileOf = (name: string) => join(config.devicesDir, `${name}.json`);
  const found = await Promise.all(names.map((n) => readFile(fileOf(n), 'utf8').then(parseCredentials, () => undefined)));
  const usable = (i: number) => {
    const f = found[i];
    return f?.ok && f.value.mqttPassword !== undefined ? f.value : undefined;
  };
  if (names.every((_, i) => usable(i))) return { devices: names.map((_, i) => usable(i)!), provisioned: [] };
  return withPlatform(io, async (p) => {
    const devices: DeviceCredentials[] = [];
    const provisioned: string[] = [];
    for (const [i, name] of names.entries()) {
      const ready = usable(i);
      if (ready) {
        devices.push(ready);
        continue;
      }
      let creds: DeviceCredentials;
      try {
        creds = await ensureDemoDevice(p.database.db, p.config.devicesDir, name, p.secrets.platformKeys.publicKey, systemRandom, p.log);
      } catch (e) {
        throw new StartupError('DATABASE_ERROR', (e as Error).message, 'check that the platform database is reachable (typedcluster up)');
      }
      if (creds.mqttPassword === undefined) {
        // Provisioned before devices had MQTT passwords: give it one now.
        const mqttPassword = Buffer.from(systemRandom(24)).toString('base64url');
        const set = await createMqttCredentialStore(p.database.db).setPassword(creds.deviceId, mqttPassword);
        if (!set.ok) throw new StartupError(set.error.code, set.error.message, 'check that the platform database is reachable (typedcluster up)');
        creds = { ...creds, mqttPassword };
        await writeFile(fileOf(name), serializeCredentials(creds), { mode: 0o600 });
      }
      devices.push(creds);
      provisioned.push(`${name} (device ${creds.deviceId})`);
    }
    return { devices, provisioned };
  });
}

export interface SimFlags {
  readonly plcs: number;
  readonly temperature: number;
  readonly speed: number;
  readonly seed: number | undefined;
  readonly stream: SimStream;
  readonly cycles: number | undefined;
  readonly mqttUrl: string;
  readonly outboxMaxBytes: number;
  readonly startTime: number | undefined;
}

const MQTT_PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);
/** Where `typedcluster up` runs its embedded broker. */
const defaultMqttUrl = (env: Io['env']) => `mqtt://127.0.0.1:${env['MQTT_PORT']?.trim() || DEFAULT_MQTT_PORT}`;

/** Checks every flag; an error is one line saying what is wrong. */
export function parseSimFlags(values: Record<string, string | boolean | undefined>, env: Io['env']): { ok: true; value: SimFlags } | { ok: false; error: string } {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string).trim() : undefined);
  const num = (k: string) => {
    const s = str(k);
    return s === undefined || s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? NaN : Number(s);
  };
  const bad = (error: string) => ({ ok: false as const, error: `error: ${error}` });

  const plcs = num('plcs');
  if (!(Number.isInteger(plcs) && plcs >= 1 && plcs <= 1000)) return bad(`--plcs ${str('plcs')} is not an integer in 1..1000`);
  const temperature = num('temperature');
  if (!(temperature >= 0 && temperature <= 1)) return bad(`--temperature ${str('temperature')} is not a number in 0..1 (0 = no anomalies, 1 = the most)`);
  const speed = num('speed');
  if (!(Number.isFinite(speed) && speed > 0 && speed <= 1_000_000)) return bad(`--speed ${str('speed')} is not a number > 0 (at most 1000000)`);
  let seed: number | undefined;
  if (values['seed'] !== undefined) {
    seed = num('seed');
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffff_ffff)) return bad(`--seed ${str('seed')} is not an integer in 0..4294967295`);
  }
  const stream = str('stream');
  if (stream !== 'cycle' && stream !== 'reading') return bad(`--stream ${stream} is not "cycle" or "reading"`);
  let cycles: number | undefined;
  if (values['cycles'] !== undefined) {
    cycles = num('cycles');
    if (!(Number.isInteger(cycles) && cycles >= 1)) return bad(`--cycles ${str('cycles')} is not an integer ≥ 1`);
  }
  const mqttUrl = str('mqtt-url') ?? (env['MQTT_URL']?.trim() || defaultMqttUrl(env));
  let parsed: URL | undefined;
  try {
    parsed = new URL(mqttUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !MQTT_PROTOCOLS.has(parsed.protocol) || !parsed.hostname) {
    const from = values['mqtt-url'] !== undefined ? '--mqtt-url' : env['MQTT_URL']?.trim() ? 'MQTT_URL' : 'MQTT_PORT gives';
    return bad(`${from} ${mqttUrl} is not an MQTT URL such as mqtt://127.0.0.1:${DEFAULT_MQTT_PORT}`);
  }
  const outboxMb = num('outbox-max-mb');
  if (!(outboxMb > 0 && outboxMb <= 65536)) return bad(`--outbox-max-mb ${str('outbox-max-mb')} is not a number in (0, 65536]`);
  let startTime: number | undefined;
  if (values['start-time'] !== undefined) {
    const s = str('start-time') ?? '';
    startTime = /^\d{4}-\d{2}-\d{2}T/.test(s) ? Date.parse(s) : NaN;
    if (!Number.isFinite(startTime)) return bad(`--start-time ${s} is not an ISO 8601 time such as 2026-11-21T08:00:00Z`);
  }
  return { ok: true, value: { plcs, temperature, speed, seed, stream, cycles, mqttUrl, outboxMaxBytes: Math.round(outboxMb * 1024 * 1024), startTime } };
}

export function progressLine(s: SimulatorStats, stream: SimStream): string {
  return (
    `sim: ${s.generated} ${stream === 'cycle' ? 'cycles' : 'readings'} generated (${s.anomalies} anomalies), ` +
    `${s.published} frames published, ${s.buffered} buffered in outboxes, ${s.connected}/${s.devices} connected` +
    (s.refused ? `, ${s.refused} REFUSED (outbox full)` : '')
  );
}

export const sim: Command = {
  path: ['sim'],
  summary: 'Simulate PLCs (or sensors) publishing secured frames over MQTT in real time, with anomalies',
  usage: '[--plcs N] [--temperature 0..1] [--speed X] [--seed N] [--stream cycle|reading] [--cycles N] [--mqtt-url URL]',
  options: {
    plcs: { type: 'string', short: 'n', default: '3', description: 'simulated devices, 1..1000' },
    temperature: { type: 'string', short: 't', default: '0.1', description: 'anomalies, 0 (none) … 1 (often and strong): spikes, drifts, stuck sensors' },
    speed: { type: 'string', short: 's', default: '1', description: 'simulated seconds per second: 10 sends a 30 s cycle every 3 s' },
    seed: { type: 'string', description: 'seed of the simulated values and anomalies, 0..4294967295 (default: random, printed)' },
    stream: { type: 'string', default: 'cycle', description: '"cycle": PLC cycle frames (5 phases × 5 sensors) every 30 s; "reading": temperature, pressure, humidity every 1 s' },
    cycles: { type: 'string', description: 'stop after N cycles (or readings) per device, once the broker has them all (default: run until Ctrl-C)' },
    'mqtt-url': { type: 'string', description: `broker (default: $MQTT_URL, else the embedded broker of "typedcluster up", mqtt://127.0.0.1:$MQTT_PORT, port ${DEFAULT_MQTT_PORT})` },
    'outbox-max-mb': { type: 'string', default: '16', description: 'per-device outbox limit; when full, new frames are refused and reported' },
    'start-time': { type: 'string', description: 'simulated time at start, ISO 8601 (default: now)' },
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
    '',
    'Examples:',
    '  typedcluster sim --plcs 5 --temperature 0.3',
    '  typedcluster sim --speed 60 --seed 42 --cycles 120',
    '  typedcluster sim --stream reading --plcs 2',
  ],
  async run(values, _positionals, io) {
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await runSim(values, io, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

/**
 * `typedcluster sim` with its stop signal injected (Ctrl-C in the command):
 * validates the flags, finds or provisions the devices, runs the simulator
 * with a progress line at most once per second, and stops cleanly.
 */
export async function runSim(values: Record<string, string | boolean | undefined>, io: Io, stop: AbortSignal): Promise<number> {
  const flags = parseSimFlags(values, io.env);
  if (!flags.ok) {
    io.err(flags.error);
    return 2;
  }
  const f = flags.value;
  const config = readCliConfig(io.env, io.cwd);
  const log = createLogger('sim', { level: config.logLevel, sink: io.err });
  const names = simDeviceNames(f.stream, f.plcs);
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
    log,
    outboxMaxBytes: f.outboxMaxBytes,
  });
  const what = f.stream === 'cycle' ? `${f.plcs} PLC${f.plcs > 1 ? 's' : ''} (plc/<id>/cycle)` : `${f.plcs} sensor${f.plcs > 1 ? 's' : ''} (sensor/<id>/reading)`;
  io.out(`simulating ${what} via ${f.mqttUrl}: temperature ${f.temperature}, speed ${f.speed}, seed ${seed} (--seed ${seed} repeats the values)`);
  io.out('Press Ctrl-C to stop; frames not yet published stay in the outboxes for the next run.');

  let last = '';
  const progress = setInterval(() => {
    const line = progressLine(simulator.stats, f.stream);
    if (line !== last) io.out(line);
    last = line;
  }, 1000);
  const stopped = new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
  try {
    if (f.cycles === undefined) await stopped;
    else {
      const finished = (async () => {
        await simulator.generated;
        if (stop.aborted || (await simulator.drained(500))) return;
        if (simulator.stats.buffered > 0 && !stop.aborted) {
          io.out(`all ${f.cycles} ${f.stream === 'cycle' ? 'cycles' : 'readings'} per device generated; waiting for the broker to take ${simulator.stats.buffered} buffered frames`);
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
