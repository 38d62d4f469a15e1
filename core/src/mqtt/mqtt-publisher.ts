import { connect as mqttConnect, type IClientOptions, type MqttClient } from 'mqtt';
import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';
import { createRateLimitedLog, type Logger } from '../log/logger.js';
import { fail, ok, type Result } from '../result/result.js';

/**
 * A QoS 1 publisher for services that must never wait on the broker
 * (store-reading's text stage, detect-anomaly's reports, docs/topics.md).
 * Messages go into a bounded in-memory queue and are handed to MQTT.js only
 * while connected, at most `maxInFlight` at a time; MQTT.js keeps those
 * until PUBACK and resends them after a reconnect. While the broker is
 * away the queue fills; when full, the OLDEST message is dropped (the
 * newest state is worth more to a live subscriber) and counted in
 * `typedcluster_mqtt_publish_dropped_total{publisher}`. Nothing survives
 * the process: the guarantee is at-least-once while the broker is
 * reachable and the process lives.
 */
export interface MqttPublisherOptions {
  /** mqtt://host:port or mqtts://… */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  readonly log: Logger;
  /** Names this publisher in metrics and logs (e.g. `store-reading`). */
  readonly name: string;
  /** Messages held while the broker is away or slow (default 10 000). */
  readonly maxQueued?: number;
  /** Handed to MQTT.js awaiting PUBACK at once (default 64). */
  readonly maxInFlight?: number;
  /** Where the metrics go (default: prom-client's global registry). */
  readonly registry?: Registry;
  /** MQTT.js `connect`; injected only to observe or fake the client. */
  readonly connect?: (url: string, opts: IClientOptions) => MqttClient;
}

export interface MqttPublisherStats {
  readonly connected: boolean;
  readonly queued: number;
  readonly inFlight: number;
  /** Acknowledged by the broker (PUBACK). */
  readonly published: number;
  /** Dropped because the queue was full. */
  readonly dropped: number;
}

export interface MqttPublisher {
  /** Queues a QoS 1 message and returns at once; never throws, never waits on the broker. */
  enqueue(topic: string, payload: string | Buffer): void;
  /**
   * Queues and waits for the PUBACK, for callers that retry on failure
   * (their messages are idempotent): UPSTREAM_FAILED after `timeoutMs`
   * (default 5 s) without one, e.g. while the broker is away; the message
   * stays queued and may still be delivered.
   */
  publishConfirmed(topic: string, payload: string | Buffer, timeoutMs?: number): Promise<Result<void>>;
  /** True once everything queued was acknowledged; false after `timeoutMs`. */
  drained(timeoutMs: number): Promise<boolean>;
  stats(): MqttPublisherStats;
  /** Waits up to `drainMs` (default 2 s) for the queue to empty, then disconnects. */
  close(drainMs?: number): Promise<void>;
}

interface Pending {
  readonly topic: string;
  readonly payload: string | Buffer;
  settle?: (r: Result<void>) => void;
}

export function createMqttPublisher(o: MqttPublisherOptions): MqttPublisher {
  const maxQueued = o.maxQueued ?? 10_000;
  const maxInFlight = o.maxInFlight ?? 64;
  const metrics = publisherMetrics(o.registry ?? globalRegistry);
  const warn = createRateLimitedLog(o.log);
  const queue: Pending[] = [];
  let inFlight = 0;
  let published = 0;
  let dropped = 0;
  let closing = false;
  let waiters: Array<() => void> = [];

  const client = (o.connect ?? mqttConnect)(o.url, {
    username: o.username,
    password: o.password,
    clientId: o.clientId,
    clean: true,
    reconnectPeriod: 1_000,
    connectTimeout: 5_000,
    // Never let MQTT.js build its own unbounded offline queue: we hand it messages only while connected.
    queueQoSZero: false,
  });
  // An 'error' without a listener would throw; a refused login or a dead broker is only logged.
  client.on('error', (e) => warn('error', 'MQTT publisher: broker error', { publisher: o.name, error: e.message }));
  client.on('offline', () => warn('offline', 'MQTT publisher: broker unreachable; queueing', { publisher: o.name, url: o.url, queued: queue.length }));
  client.on('connect', () => pump());

  const gauge = () => metrics.queued.set({ publisher: o.name }, queue.length + inFlight);
  const wake = () => {
    if (queue.length > 0 || inFlight > 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  function pump(): void {
    while (client.connected && !closing && inFlight < maxInFlight && queue.length > 0) {
      const m = queue.shift()!;
      inFlight++;
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        inFlight--;
        if (err && !closing) {
          // Not sent (e.g. the connection broke before MQTT.js stored it): try again first.
          queue.unshift(m);
        } else if (!err) {
          published++;
          m.settle?.(ok(undefined));
        } else {
          m.settle?.(fail('UPSTREAM_FAILED', `publisher closed before ${m.topic} was acknowledged`));
        }
        gauge();
        wake();
        pump();
      });
    }
    gauge();
  }

  function drained(timeoutMs: number): Promise<boolean> {
    if (queue.length === 0 && inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      waiters.push(() => (clearTimeout(timer), resolve(true)));
    });
  }

  function add(m: Pending): void {
    if (closing) {
      m.settle?.(fail('UPSTREAM_FAILED', `publisher closed; ${m.topic} not sent`));
      return;
    }
    if (queue.length >= maxQueued) {
      const old = queue.shift()!;
      dropped++;
      metrics.dropped.inc({ publisher: o.name });
      old.settle?.(fail('UPSTREAM_FAILED', `queue full (${maxQueued}); ${old.topic} dropped`));
      warn('dropped', 'MQTT publisher: queue full, dropping the oldest messages', { publisher: o.name, maxQueued, dropped });
    }
    queue.push(m);
    pump();
  }

  return {
    enqueue: (topic, payload) => add({ topic, payload }),
    publishConfirmed(topic, payload, timeoutMs = 5_000) {
      return new Promise((resolve) => {
        const why = () => (client.connected ? `no PUBACK for ${topic} within ${timeoutMs} ms` : `broker ${o.url} unreachable; ${topic} not acknowledged within ${timeoutMs} ms`);
        const timer = setTimeout(() => resolve(fail('UPSTREAM_FAILED', why())), timeoutMs);
        add({ topic, payload, settle: (r) => (clearTimeout(timer), resolve(r)) });
      });
    },
    drained,
    stats: () => ({ connected: client.connected, queued: queue.length, inFlight, published, dropped }),
    async close(drainMs = 2_000) {
      if (closing) return;
      if (client.connected) await drained(drainMs);
      closing = true;
      if (queue.length + inFlight > 0) o.log.warn('MQTT publisher closed with messages unsent', { publisher: o.name, unsent: queue.length + inFlight });
      for (const m of queue.splice(0)) m.settle?.(fail('UPSTREAM_FAILED', `publisher closed; ${m.topic} not sent`));
      await client.endAsync(true);
      gauge();
    },
  };
}

/** One counter and one gauge per registry, shared by every publisher in the process (label `publisher`). */
function publisherMetrics(registry: Registry) {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const dropped =
    existing<Counter<'publisher'>>('typedcluster_mqtt_publish_dropped_total') ??
    new Counter({ name: 'typedcluster_mqtt_publish_dropped_total', help: 'MQTT messages dropped because the publish queue was full (broker away too long).', labelNames: ['publisher'], registers: [registry] });
  const queued =
    existing<Gauge<'publisher'>>('typedcluster_mqtt_publish_queued') ??
    new Gauge({ name: 'typedcluster_mqtt_publish_queued', help: 'MQTT messages queued or awaiting PUBACK.', labelNames: ['publisher'], registers: [registry] });
  return { dropped, queued };
}
