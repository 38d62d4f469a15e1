import { connect as mqttConnect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { StartupError } from '../errors/startup-error.js';
import type { OutboxRecord } from './outbox.js';
import { joinFrames } from '../wire/stream-framing.js';
import type { DeviceCredentials } from './credentials.js';
import { createOutboxForwarder, realLinkTimers, type OutboxLinkOptions } from './outbox-forwarder.js';

export interface MqttDeviceLinkOptions extends OutboxLinkOptions {
  /** mqtt://host:port or mqtts://… */
  readonly url: string;
  /** Username = the device id in decimal, password = `mqttPassword` (docs/topics.md §Authentication). */
  readonly credentials: Pick<DeviceCredentials, 'deviceId' | 'mqttPassword'>;
  /** `TOPICS.plcCycle(id)` or `TOPICS.sensorReading(id)`. */
  readonly topic: string;
  /** QoS 1 publishes awaiting PUBACK at once (default 32). */
  readonly maxInFlight?: number;
  /**
   * Frames per MQTT message at most (default 1). Above 1, frames taken from
   * the outbox together (a backlog after an outage) go as one bundle
   * (wire-format §6.5), up to MAX_BUNDLE_BYTES; a lone new frame still goes
   * at once, alone. Only for brokers whose consumer understands bundles
   * (the TypedCluster gateway's connector does).
   */
  readonly bundleMax?: number;
  /** MQTT keepalive (default 15 s): a silent dead network is noticed after about 1.5 × this. */
  readonly keepaliveSeconds?: number;
  readonly connectTimeoutMs?: number;
  /** MQTT.js `connect`; injected only to observe or fake the client. */
  readonly connect?: (url: string, opts: IClientOptions) => MqttClient;
}

export interface MqttDeviceLinkStats {
  readonly connected: boolean;
  /** Frames the broker acknowledged (PUBACK), over the life of the link; repeats after a reconnect count again. */
  readonly published: number;
  readonly inFlight: number;
  /** Connections that were lost or could not be made. */
  readonly disconnects: number;
  readonly lastError: string | undefined;
}

export interface MqttDeviceLink {
  readonly stats: MqttDeviceLinkStats;
  /** New frames were appended to the outbox: publish them if connected. Cheap; call after every append. */
  notify(): void;
  /** True once the outbox is empty (all acknowledged by the broker); false after timeoutMs. */
  drained(timeoutMs: number): Promise<boolean>;
  /**
   * Stops reconnecting and publishing, waits up to graceMs (default 1000)
   * for PUBACKs in flight, then disconnects. Unacknowledged frames stay in
   * the outbox for the next run. Does not close the outbox.
   */
  close(graceMs?: number): Promise<void>;
}

interface InFlight {
  readonly offset: number;
  acked: boolean;
}

/** A bundle stays under the 64 KiB packet limit of our brokers (docs/topics.md), topic and header included. */
export const MAX_BUNDLE_BYTES = 60_000;

/**
 * A device's MQTT connection, fed from its outbox (store-and-forward):
 * connects as the device, publishes pending frames in order with QoS 1, at
 * most `maxInFlight` unacknowledged, and acknowledges the outbox's
 * contiguous prefix as PUBACKs arrive. When the connection is lost or
 * cannot be made it reconnects with back-off and resumes from the first
 * unacknowledged frame, so a frame may reach the broker twice but never
 * goes missing or overtakes an earlier one; the platform stores each
 * (device, seq) once (wire-format §7.2).
 *
 * MQTT.js keeps no queue of its own here: a client is used for one
 * connection only (no automatic reconnect, clean session, nothing published
 * while disconnected) and thrown away with whatever it held.
 *
 * Throws StartupError (CONFIG_MISSING) when the credentials have no MQTT password.
 */
export function startMqttDeviceLink(o: MqttDeviceLinkOptions): MqttDeviceLink {
  const { topic } = o;
  const device = o.credentials.deviceId;
  const password = o.credentials.mqttPassword;
  if (password === undefined) {
    throw new StartupError('CONFIG_MISSING', `device ${device} has no mqttPassword in its credentials`, 'provision it again (typedcluster device add) to get an MQTT password');
  }
  const connectFn = o.connect ?? mqttConnect;
  const timers = o.timers ?? realLinkTimers;
  const bundleMax = Math.max(1, Math.floor(o.bundleMax ?? 1));
  let published = 0;
  /** Frames handed over in this turn, sent together at its end (one bundle, or one frame). */
  let gathering: { client: MqttClient; g: number; parts: Array<{ r: OutboxRecord; entry: InFlight }>; bytes: number } | undefined;

  const f = createOutboxForwarder<MqttClient, InFlight>({
    ...o,
    maxInFlight: Math.max(1, o.maxInFlight ?? 32),
    connectOnDemand: false,
    logFields: { device, url: o.url },
    open,
    destroy: (c) => c.end(true),
    shutdown: (c, wasConnected) =>
      new Promise<void>((resolve) => {
        // A polite DISCONNECT when the connection is up; never wait long for it.
        const t = timers.setTimeout(() => {
          c.end(true);
          resolve();
        }, 500);
        c.end(!wasConnected, () => {
          timers.clearTimeout(t);
          resolve();
        });
      }),
    entry: (r) => ({ offset: r.offset, acked: false }),
    send: (c, r, entry, g) => (bundleMax === 1 ? publish(c, g, [{ r, entry }]) : gather(c, g, r, entry)),
  });

  function publish(c: MqttClient, g: number, parts: ReadonlyArray<{ r: OutboxRecord; entry: InFlight }>): void {
    const frames = parts.map(({ r }) => r.frame);
    const payload = frames.length === 1 ? Buffer.from(frames[0]!.buffer, frames[0]!.byteOffset, frames[0]!.length) : Buffer.from(joinFrames(frames));
    c.publish(topic, payload, { qos: 1, retain: false }, (err) => {
      for (const { entry } of parts) onPuback(g, entry, err);
    });
  }

  /** The forwarder hands over a window's frames in one synchronous loop: send them as bundles when the turn ends. */
  function gather(c: MqttClient, g: number, r: OutboxRecord, entry: InFlight): void {
    const size = r.frame.length + 4;
    if (gathering && (gathering.client !== c || gathering.g !== g || gathering.parts.length >= bundleMax || gathering.bytes + size > MAX_BUNDLE_BYTES)) flush();
    if (!gathering) {
      gathering = { client: c, g, parts: [], bytes: 0 };
      queueMicrotask(flush);
    }
    gathering.parts.push({ r, entry });
    gathering.bytes += size;
  }

  function flush(): void {
    const b = gathering;
    gathering = undefined;
    // A connection lost meanwhile: the forwarder resends from the first unacknowledged frame.
    if (b && b.parts.length > 0 && f.isCurrent(b.g)) publish(b.client, b.g, b.parts);
  }

  function open(g: number): MqttClient {
    const c = connectFn(o.url, {
      clientId: `device-${device}`,
      username: String(device),
      password,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      keepalive: o.keepaliveSeconds ?? 15,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
    });
    c.on('connect', () => {
      if (f.isCurrent(g)) f.connectedNow();
    });
    c.on('error', (e) => {
      if (!f.isCurrent(g)) return;
      f.stats.lastError = e.message;
      f.warn('mqtt-connection', 'MQTT connection failed', { device, url: o.url, error: e.message });
    });
    c.on('close', () => {
      if (f.isCurrent(g)) f.lost();
    });
    return c;
  }

  function onPuback(g: number, entry: InFlight, err?: Error): void {
    if (!f.isCurrent(g)) return;
    if (err) {
      // Not a PUBACK: the connection is going. Start over from the first unacknowledged frame.
      f.stats.lastError = err.message;
      f.lost();
      return;
    }
    entry.acked = true;
    let last: InFlight | undefined;
    while (f.inflight[0]?.acked) {
      last = f.inflight.shift();
      published++;
    }
    if (last) f.acknowledge(last.offset);
    void f.pump();
  }

  f.start();

  return {
    get stats(): MqttDeviceLinkStats {
      return { connected: f.connected, published, inFlight: f.inflight.length, disconnects: f.stats.disconnects, lastError: f.stats.lastError };
    },
    notify: () => f.notify(),
    drained: (timeoutMs) => f.drained(timeoutMs),
    close: (graceMs = 1000) => f.close(graceMs),
  };
}
