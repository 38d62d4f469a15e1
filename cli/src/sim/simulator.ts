import { join } from 'node:path';
import {
  createDeviceSender,
  createRateLimitedLog,
  openOutbox,
  sodiumReady,
  startMqttDeviceLink,
  startRealTime,
  startReplay,
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
  type RealTimeOptions,
  type HistoricalRow,
  type PhaseModel,
} from '@typedcluster/core';

/** The scheduler's settings (stream, temperature, speed, seed, cycles, startTime: see RealTimeOptions) plus the devices' I/O. */
export interface SimulatorOptions extends Pick<RealTimeOptions, 'stream' | 'temperature' | 'speed' | 'seed' | 'cycles' | 'startTime'> {
  /** mqtt://host:port (or mqtts://, ws://…). */
  readonly mqttUrl: string;
  /** One per simulated PLC (stream 'cycle') or sensor (stream 'reading'), each with its mqttPassword. */
  readonly devices: readonly DeviceCredentials[];
  /** Each device's outbox is `<outboxRoot>/<device name>/`. */
  readonly outboxRoot: string;
  readonly log: Logger;
  /** Wall clock: session clocks, seq (wire-format §2.3.3), the scheduler. */
  readonly now?: () => number;
  /** Keys and nonces; default the system CSPRNG. Never the simulation seed. */
  readonly random?: RandomSource;
  /** Per-device outbox limit (default 16 MiB); beyond it new frames are refused, loudly. */
  readonly outboxMaxBytes?: number;
  /** Frames per MQTT message at most for a backlog (wire-format §6.5); default 1. */
  readonly bundle?: number;
  /** The PLCs' phase model (generated cycles); default TYPICAL_MODEL. */
  readonly model?: PhaseModel;
  /** Replays a data set instead of generating: devices[i] sends the cycles of PLC plcs[i] (speed applies; temperature, seed, cycles do not). */
  readonly replay?: { readonly rows: AsyncIterable<HistoricalRow>; readonly plcs: readonly number[] };
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
        ...(o.bundle === undefined ? {} : { bundleMax: o.bundle }),
      });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  const emit = async (index: number, sample: SimSample): Promise<void> => {
    const d = devices[index]!;
    if (now() - d.sessionAt >= SESSION_MAX_AGE_MS) {
      d.sessionAt = now();
      await append(d, d.sender.rotate());
    }
    counters.generated++;
    counters.anomalies += sample.anomalies.filter((l) => l.step === 0).length;
    o.onSample?.(d.credentials, sample);
    if (sample.silent) return; // anomaly `silent`: the device sends nothing for this sample
    await append(d, sample.kind === 'cycle' ? d.sender.cycleFrame(sample) : d.sender.readingFrame(sample));
  };
  const onError = (e: unknown) => o.log.error('simulated device failed', { error: e as Error });
  const replayIndex = new Map(o.replay?.plcs.map((plc, i) => [plc, i]));
  const run = o.replay
    ? startReplay({
        rows: o.replay.rows,
        speed: o.speed,
        now,
        onError,
        emit: (plc, sample) => {
          const i = replayIndex.get(plc);
          if (i === undefined) throw new StartupError('DATASET_INVALID', `PLC ${plc} appears after the start of the data set`, 'replay a data set written by "typedcluster sim historical"');
          return emit(i, sample);
        },
      })
    : startRealTime({
        devices: devices.length,
        stream: o.stream,
        temperature: o.temperature,
        speed: o.speed,
        seed: o.seed,
        ...(o.cycles === undefined ? {} : { cycles: o.cycles }),
        ...(o.startTime === undefined ? {} : { startTime: o.startTime }),
        ...(o.model === undefined ? {} : { model: o.model }),
        now,
        onError,
        emit,
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
