import { connect as mqttConnect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { StartupError } from '../errors/startup-error.js';
import type { Fields, Logger } from '../log/logger.js';
import { createRateLimitedLog } from '../log/logger.js';
import type { DeviceCredentials } from './credentials.js';
import type { Outbox } from './outbox.js';

/** setTimeout/clearTimeout, injected so tests (and simulations) can drive time. */
export interface LinkTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface MqttDeviceLinkOptions {
  /** mqtt://host:port or mqtts://… */
  readonly url: string;
  /** Username = the device id in decimal, password = `mqttPassword` (docs/topics.md §Authentication). */
  readonly credentials: Pick<DeviceCredentials, 'deviceId' | 'mqttPassword'>;
  /** `TOPICS.plcCycle(id)` or `TOPICS.sensorReading(id)`. */
  readonly topic: string;
  /** The only buffer: frames are taken from here in order and acknowledged here on PUBACK. */
  readonly outbox: Outbox;
  /** QoS 1 publishes awaiting PUBACK at once (default 32). */
  readonly maxInFlight?: number;
  /** Reconnect back-off: doubles from minMs to maxMs, times a factor in [0.5, 1) from `jitter` (default 250..10000 ms). */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly jitter?: () => number;
  /** MQTT keepalive (default 15 s): a silent dead network is noticed after about 1.5 × this. */
  readonly keepaliveSeconds?: number;
  readonly connectTimeoutMs?: number;
  readonly log?: Logger;
  /**
   * Where connection failures are reported: a rate-limited warning
   * (`createRateLimitedLog`), shared by many links so a broker outage with
   * a thousand devices is a few lines. Default: one per link, on `log`.
   */
  readonly warn?: (key: string, msg: string, fields?: Fields) => void;
  readonly timers?: LinkTimers;
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

const realTimers: LinkTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

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
  const { outbox, topic } = o;
  const password = o.credentials.mqttPassword;
  if (password === undefined) {
    throw new StartupError('CONFIG_MISSING', `device ${o.credentials.deviceId} has no mqttPassword in its credentials`, 'provision it again (typedcluster device add) to get an MQTT password');
  }
  const maxInFlight = Math.max(1, o.maxInFlight ?? 32);
  const minMs = o.backoff?.minMs ?? 250;
  const maxMs = Math.max(minMs, o.backoff?.maxMs ?? 10_000);
  const jitter = o.jitter ?? Math.random;
  const timers = o.timers ?? realTimers;
  const connectFn = o.connect ?? mqttConnect;
  const log = o.log;
  const warn = o.warn ?? (log ? createRateLimitedLog(log, { burst: 3, windowMs: 60_000 }) : () => {});
  const clientId = `device-${o.credentials.deviceId}`;

  let client: MqttClient | undefined;
  let gen = 0; // bumped whenever a client is abandoned: its late events are ignored
  let connected = false;
  let closing = false;
  let cursor = outbox.ackedOffset;
  let inflight: InFlight[] = [];
  let backoff = minMs;
  let reconnectTimer: unknown;
  let pumping = false;
  let pumpAgain = false;
  const stats = { published: 0, disconnects: 0, lastError: undefined as string | undefined };
  let waiters: Array<() => void> = [];

  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  function connectNow(): void {
    reconnectTimer = undefined;
    if (closing) return;
    const g = ++gen;
    const c = connectFn(o.url, {
      clientId,
      username: String(o.credentials.deviceId),
      password,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      keepalive: o.keepaliveSeconds ?? 15,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
    });
    client = c;
    c.on('connect', () => {
      if (g !== gen) return;
      connected = true;
      backoff = minMs;
      cursor = outbox.ackedOffset; // resume from the first unacknowledged frame
      inflight = [];
      log?.debug('connected', { url: o.url, device: o.credentials.deviceId, pending: outbox.size });
      void pump();
    });
    c.on('error', (e) => {
      if (g !== gen) return;
      stats.lastError = e.message;
      warn('mqtt-connection', 'MQTT connection failed', { device: o.credentials.deviceId, url: o.url, error: e.message });
    });
    c.on('close', () => {
      if (g === gen) lost();
    });
  }

  /** Abandons the current client and, unless closing, schedules the next try. */
  function lost(): void {
    gen++;
    if (connected) log?.debug('disconnected', { device: o.credentials.deviceId, inFlight: inflight.length });
    connected = false;
    stats.disconnects++;
    inflight = [];
    client?.end(true);
    client = undefined;
    wake();
    if (closing || reconnectTimer !== undefined) return;
    const delay = Math.round(backoff * (0.5 + 0.5 * jitter()));
    backoff = Math.min(backoff * 2, maxMs);
    reconnectTimer = timers.setTimeout(connectNow, delay);
  }

  async function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (connected && !closing && inflight.length < maxInFlight) {
          const g = gen;
          const records = await outbox.pending(maxInFlight - inflight.length, cursor);
          if (g !== gen || !connected || closing || !client) break;
          if (!records.length) break;
          for (const r of records) {
            const entry: InFlight = { offset: r.offset, acked: false };
            inflight.push(entry);
            cursor = r.next;
            client.publish(topic, Buffer.from(r.frame.buffer, r.frame.byteOffset, r.frame.length), { qos: 1, retain: false }, (err) => onPuback(g, entry, err));
          }
        }
      } while (pumpAgain && connected && !closing);
    } catch (e) {
      stats.lastError = (e as Error).message;
      log?.error('cannot read the outbox', { device: o.credentials.deviceId, error: (e as Error).message });
    } finally {
      pumping = false;
    }
  }

  function onPuback(g: number, entry: InFlight, err?: Error): void {
    if (g !== gen) return;
    if (err) {
      // Not a PUBACK: the connection is going. Start over from the first unacknowledged frame.
      stats.lastError = err.message;
      lost();
      return;
    }
    entry.acked = true;
    let last: InFlight | undefined;
    while (inflight[0]?.acked) {
      last = inflight.shift();
      stats.published++;
    }
    if (last) {
      outbox.ack(last.offset).catch((e: unknown) => {
        stats.lastError = (e as Error).message;
        log?.error('cannot persist the outbox ack', { device: o.credentials.deviceId, error: (e as Error).message });
      });
      wake();
    }
    void pump();
  }

  connectNow();

  return {
    get stats(): MqttDeviceLinkStats {
      return { connected, published: stats.published, inFlight: inflight.length, disconnects: stats.disconnects, lastError: stats.lastError };
    },
    notify() {
      if (connected && !closing) void pump();
    },
    drained(timeoutMs) {
      return new Promise((resolve) => {
        let done = false;
        const finish = (v: boolean) => {
          if (done) return;
          done = true;
          if (timer !== undefined) timers.clearTimeout(timer);
          resolve(v);
        };
        const check = () => {
          if (outbox.size === 0 && outbox.pendingBytes === 0) finish(true);
          else if (!done) waiters.push(check);
        };
        const timer = timers.setTimeout(() => finish(outbox.size === 0 && outbox.pendingBytes === 0), timeoutMs);
        check();
      });
    },
    async close(graceMs = 1000) {
      if (closing) return;
      closing = true;
      if (reconnectTimer !== undefined) timers.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      if (connected && inflight.length) {
        await new Promise<void>((resolve) => {
          const t = timers.setTimeout(resolve, graceMs);
          const check = () => {
            if (!connected || inflight.length === 0) {
              timers.clearTimeout(t);
              resolve();
            } else waiters.push(check);
          };
          check();
        });
      }
      const c = client;
      const wasConnected = connected;
      gen++;
      connected = false;
      client = undefined;
      wake();
      if (!c) return;
      await new Promise<void>((resolve) => {
        // A polite DISCONNECT when the connection is up; never wait long for it.
        const t = timers.setTimeout(() => {
          c.end(true);
          resolve();
        }, 500);
        c.end(!wasConnected, () => {
          timers.clearTimeout(t);
          resolve();
        });
      });
    },
  };
}
