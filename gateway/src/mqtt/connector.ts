import { randomUUID } from 'node:crypto';
import { connect as mqttConnect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { createRateLimitedLog, MAX_BATCH_SIZE, TOPICS, type Logger } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { backoffMs, systemClock, type Clock } from '../runtime/clock.js';
import type { FunctionDefinition } from '../runtime/function-definition.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import type { Answer } from './answer.js';
import type { ConnectorConfig } from './connector-config.js';
import { createConnectorMetrics, type ConnectorMetrics } from './connector-metrics.js';
import { deadLetterOf } from './dead-letter.js';
import { FunctionLane, type Delivery, type DeliveryEnd, type LaneMessage } from './function-lane.js';
import { buildRoutes, type Routes } from './routes.js';

export interface ConnectorDeps {
  readonly config: ConnectorConfig;
  /** The deployed functions; read at start and again on refresh(). */
  readonly functions: () => readonly FunctionDefinition[];
  /** The gateway's own invocation path (supervisor + OpenFaaS metrics). */
  readonly invoke: (fn: string, req: UpstreamRequest) => Promise<InvocationOutcome>;
  readonly registry: Registry;
  readonly log: Logger;
  readonly clock?: Clock;
  /** The gateway's MAX_BODY_BYTES: a frames body stays below it. */
  readonly maxBodyBytes: number;
  /** How long stop() lets running invocations finish before it lets go of their messages. */
  readonly drainMs: number;
  readonly newCallId?: () => string;
  /** Replaces mqtt.connect (tests). */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface ConnectorStats {
  readonly connected: boolean;
  /** Messages being worked on (the in-flight window counts these). */
  readonly held: number;
  /** The most ever held at once. */
  readonly maxHeld: number;
  /** Messages received and not yet acknowledged (held, plus those whose dead letter awaits the broker's PUBACK). */
  readonly unacked: number;
}

export interface MqttConnector {
  /** Connects and subscribes; resolves once subscribed or the first attempt failed (it keeps trying with back-off). */
  start(): Promise<void>;
  /** Reads the functions' topics again (after a deploy or remove) and subscribes or unsubscribes to match. */
  refresh(): void;
  /** Stops reading, lets running invocations finish for up to drainMs, acknowledges what is done and disconnects. */
  stop(): Promise<void>;
  stats(): ConnectorStats;
  routes(): Routes;
}

/** A message between its arrival and its PUBACK. */
interface HeldMessage extends LaneMessage {
  /** undefined for QoS 0 (nothing to acknowledge). */
  readonly messageId: number | undefined;
  /** The broker session it came in; a message from a session the broker lost is never acknowledged. */
  readonly epoch: number;
  /** Functions still working on it. */
  open: number;
  /** Dead letters of it the broker has not acknowledged yet. */
  deadPending: number;
}

type Done = (error?: Error) => void;

/** Tells MQTT.js not to acknowledge: the connector sends the PUBACK itself when every function is done. */
const DEFERRED = new Error('acknowledged by the connector when done');

/**
 * MQTT.js sends a QoS 1 PUBACK when `handleMessage`'s callback is called,
 * and reads the next packet only after that: holding the callback would
 * allow one message in flight (`customHandleAcks` is MQTT 5 only, and as
 * serial). So the connector calls the callback with an error at once
 * (MQTT.js then reads on without acknowledging) and sends the PUBACK
 * itself, later, through the same internal method MQTT.js acknowledges
 * with. Checked at start, so an MQTT.js without it fails loudly.
 */
interface AckingClient {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: () => void): void;
}

const KEEPALIVE_S = 30;

export function createMqttConnector(deps: ConnectorDeps): MqttConnector {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const warnLimited = createRateLimitedLog(log);
  const metrics: ConnectorMetrics = createConnectorMetrics(deps.registry);
  const newCallId = deps.newCallId ?? randomUUID;
  const maxBatchBytes = Math.min(MAX_BATCH_SIZE, deps.maxBodyBytes);
  const where = redacted(config.url);

  let routes = readRoutes();
  const lanes = new Map<string, FunctionLane<HeldMessage>>();
  /** Messages of the current session by packet id: a redelivery of one still in progress is not worked on twice. */
  const byId = new Map<number, HeldMessage>();
  /** Finished while disconnected: acknowledged when the broker redelivers them after the reconnect. */
  const ackOnRedelivery = new Set<number>();
  let epoch = 0;
  let hadSession = false;
  let held = 0;
  let maxHeld = 0;
  let unacked = 0;
  let deadLettersPending = 0;
  /** The message that arrived with the window full: worked on when a slot frees; MQTT.js reads nothing more meanwhile. */
  let parked: { packet: IPublishPacket; done: Done } | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let state: 'starting' | 'up' | 'down' = 'starting';
  let lastError = '';
  let reconnectFailures = 0;
  let client: MqttClient | undefined;

  function readRoutes(): Routes {
    const { routes: r, problems } = buildRoutes(deps.functions());
    for (const p of problems) log.error('topic annotation is not a valid MQTT filter; the function gets no MQTT messages', { function: p.function, filter: p.filter });
    return r;
  }

  const laneFor = (name: string, batch: boolean): FunctionLane<HeldMessage> => {
    let lane = lanes.get(name);
    if (!lane) {
      lane = new FunctionLane<HeldMessage>(name, batch, {
        clock,
        config,
        maxBatchBytes,
        invoke: deps.invoke,
        newCallId,
        onEnd,
        onRetry,
        onSplit: (fn, size, a) => warnLimited(`split:${fn}`, 'batch failed as a whole; retrying its messages one at a time', { function: fn, messages: size, status: a.status, code: a.code, reason: a.reason }),
      });
      lanes.set(name, lane);
    } else lane.setBatch(batch);
    return lane;
  };

  const setUnacked = (delta: number): void => {
    unacked += delta;
    metrics.setInflight(unacked);
  };

  // --- intake -----------------------------------------------------------

  function onPublish(packet: IPublishPacket, done: Done): void {
    if (stopping) return done(DEFERRED); // not acknowledged: the broker gives it to the next session
    const id = packet.qos > 0 ? packet.messageId : undefined;
    if (id !== undefined) {
      if (ackOnRedelivery.delete(id)) return done(); // finished before the reconnect: MQTT.js acknowledges it now
      if (byId.has(id)) return done(DEFERRED); // a redelivery of a message still in progress
    }
    if (held >= config.inflight) {
      parked = { packet, done };
      startStallKeepalive();
      return;
    }
    admit(packet, done);
  }

  function admit(packet: IPublishPacket, done: Done): void {
    const topic = packet.topic;
    const fns = routes.match(topic);
    if (fns.length === 0) {
      warnLimited(`unrouted:${topic}`, 'no function has this topic; acknowledged without invoking anything', { topic });
      return done();
    }
    const id = packet.qos > 0 ? packet.messageId : undefined;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const m: HeldMessage = { topic, payload, messageId: id, epoch, open: fns.length, deadPending: 0 };
    if (id !== undefined) byId.set(id, m);
    held++;
    if (held > maxHeld) maxHeld = held;
    setUnacked(1);
    done(DEFERRED);
    for (const f of fns) laneFor(f.name, f.batch).add(m);
  }

  function releaseSlot(): void {
    held--;
    if (!parked || held >= config.inflight) return;
    const p = parked;
    parked = undefined;
    stopStallKeepalive();
    // Not from inside the lane that just finished a message.
    queueMicrotask(() => (stopping ? p.done(DEFERRED) : admit(p.packet, p.done)));
  }

  /**
   * While MQTT.js reads nothing (window full) it cannot see PINGRESPs and
   * would drop a healthy connection: keep the keepalive going by hand.
   */
  function startStallKeepalive(): void {
    if (stallTimer) return;
    stallTimer = setInterval(() => {
      if (!client?.connected) return;
      client.reschedulePing(true);
      client.sendPing();
    }, (KEEPALIVE_S * 1000) / 3);
    stallTimer.unref();
  }

  function stopStallKeepalive(): void {
    if (stallTimer) clearInterval(stallTimer);
    stallTimer = undefined;
  }

  // --- the end of a message ---------------------------------------------

  function onEnd(d: Delivery<HeldMessage>, end: DeliveryEnd): void {
    const m = d.message;
    if (end.kind === 'dead') deadLetter(d, end.answer);
    else metrics.message(d.fn, end.kind);
    m.open--;
    if (m.open === 0) releaseSlot();
    maybeAck(m);
  }

  function onRetry(d: Delivery<HeldMessage>, a: Answer): void {
    metrics.message(d.fn, 'retried');
    warnLimited(`retry:${d.fn}:${a.status}:${a.code ?? ''}`, 'retrying a message with back-off', {
      function: d.fn,
      topic: d.message.topic,
      status: a.status,
      code: a.code,
      reason: a.reason,
      attempts: d.attempts,
      kind: a.verdict,
    });
  }

  function deadLetter(d: Delivery<HeldMessage>, a: Answer): void {
    const m = d.message;
    const letter = deadLetterOf({ fn: d.fn, topic: m.topic, payload: m.payload, answer: a, attempts: d.attempts, firstAttemptAt: d.firstAttemptAt, lastAttemptAt: d.lastAttemptAt });
    metrics.message(d.fn, 'dead_letter');
    metrics.deadLetter(d.fn, letter.code);
    warnLimited(`dead:${d.fn}:${letter.code}`, 'published a dead letter', { function: d.fn, topic: m.topic, code: letter.code, status: letter.status, attempts: letter.attempts, reason: letter.reason });
    m.deadPending++;
    deadLettersPending++;
    const body = JSON.stringify(letter);
    let failures = 0;
    const send = (): void => {
      client!.publish(TOPICS.deadLetter(d.fn), body, { qos: 1 }, (err) => {
        if (err) {
          if (stopping) return; // not acknowledged: dead-lettered again in the next session
          failures++;
          warnLimited(`dead-publish:${d.fn}`, 'could not publish a dead letter; trying again', { function: d.fn, error: err.message });
          clock.setTimeout(send, backoffMs(failures, config.retryBackoffMs, config.retryBackoffMaxMs));
          return;
        }
        m.deadPending--;
        deadLettersPending--;
        maybeAck(m);
      });
    };
    send();
  }

  function maybeAck(m: HeldMessage): void {
    if (m.open > 0 || m.deadPending > 0) return;
    setUnacked(-1);
    const id = m.messageId;
    if (id === undefined || m.epoch !== epoch) return;
    if (byId.get(id) === m) byId.delete(id);
    if (client?.connected) (client as unknown as AckingClient)._sendPacket({ cmd: 'puback', messageId: id });
    else ackOnRedelivery.add(id);
  }

  // --- connection -------------------------------------------------------

  function subscribe(c: MqttClient, filters: readonly string[]): Promise<void> {
    if (filters.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      c.subscribe(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])), (err, granted) => {
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (err) log.error('subscribe failed', { error: err.message, filters });
        else if (refused.length > 0) log.error('the broker refused these subscriptions (check its ACL for the gateway user)', { filters: refused });
        resolve();
      });
    });
  }

  function onConnect(c: MqttClient, ack: IConnackPacket): Promise<void> {
    if (!ack.sessionPresent && hadSession) {
      const lost = byId.size + ackOnRedelivery.size;
      epoch++;
      byId.clear();
      ackOnRedelivery.clear();
      if (lost > 0) log.warn('the broker did not keep the session: messages in progress are finished but cannot be acknowledged', { messages: lost });
    }
    hadSession = true;
    // PUBACKs are small and late: send them at once rather than waiting on Nagle.
    (c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    reconnectFailures = 0;
    lastError = '';
    c.options.reconnectPeriod = config.retryBackoffMs;
    state = 'up';
    metrics.setConnected(true);
    log.info('connected to the MQTT broker', { url: where, clientId: config.clientId, session: ack.sessionPresent ? 'resumed' : 'new', filters: routes.filters.join(',') });
    return subscribe(c, routes.filters);
  }

  function onClose(c: MqttClient): void {
    // Runs before MQTT.js schedules the reconnect, so the period set here is the next wait.
    const wasUp = state === 'up';
    if (!wasUp) reconnectFailures++;
    c.options.reconnectPeriod = wasUp ? config.retryBackoffMs : backoffMs(reconnectFailures + 1, config.retryBackoffMs, config.retryBackoffMaxMs);
    // MQTT.js starts reading afresh on the next connection; the parked message comes again from the broker.
    parked = undefined;
    stopStallKeepalive();
    if (stopping) return;
    metrics.setConnected(false);
    if (wasUp) log.warn('lost the MQTT broker; reconnecting with back-off', { url: where, held, unacked, ...(lastError ? { error: lastError } : {}) });
    state = 'down';
  }

  function onError(err: Error): void {
    if (stopping || err.message === lastError) return;
    lastError = err.message;
    if (state !== 'up') log.warn('MQTT broker not reachable; retrying with back-off', { url: where, error: err.message, retryMaxMs: config.retryBackoffMaxMs });
  }

  return {
    start() {
      if (client) return Promise.resolve();
      const options: IClientOptions = {
        clientId: config.clientId,
        username: config.username,
        password: config.password,
        clean: false,
        protocolVersion: 4,
        keepalive: KEEPALIVE_S,
        reconnectPeriod: config.retryBackoffMs,
        connectTimeout: 10_000,
        resubscribe: false,
        reconnectOnConnackError: true,
      };
      const c = (deps.connect ?? mqttConnect)(config.url, options);
      client = c;
      if (typeof (c as unknown as Partial<AckingClient>)._sendPacket !== 'function') {
        c.end(true);
        throw new Error('this MQTT.js has no _sendPacket; the connector cannot acknowledge messages itself (pin mqtt to 5.x)');
      }
      c.handleMessage = onPublish;
      c.prependListener('close', () => onClose(c));
      c.on('error', onError);
      let first = true;
      return new Promise<void>((resolve) => {
        c.on('connect', (ack) => {
          void onConnect(c, ack).then(() => {
            if (first) resolve();
            first = false;
          });
        });
        c.once('close', () => {
          if (first) {
            first = false;
            resolve();
          }
        });
      });
    },

    refresh() {
      const before = new Set(routes.filters);
      routes = readRoutes();
      for (const f of routes.functions) lanes.get(f.name)?.setBatch(f.batch);
      const after = new Set(routes.filters);
      const added = [...after].filter((f) => !before.has(f));
      const removed = [...before].filter((f) => !after.has(f));
      if (added.length + removed.length === 0 || !client?.connected) return;
      log.info('MQTT subscriptions changed', { added: added.join(','), removed: removed.join(',') });
      void subscribe(client, added);
      if (removed.length > 0) client.unsubscribe(removed);
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      const p = parked;
      parked = undefined;
      stopStallKeepalive();
      p?.done(DEFERRED);
      const deadline = clock.now() + deps.drainMs;
      const lanesIdle = Promise.all([...lanes.values()].map((l) => l.stop()));
      await Promise.race([lanesIdle, sleepMs(deps.drainMs)]);
      // Dead letters just published: give the broker's PUBACKs the rest of the time.
      while (deadLettersPending > 0 && client?.connected && clock.now() < deadline) await sleepMs(10);
      const c = client;
      if (c) {
        await new Promise<void>((r) => {
          const force = setTimeout(() => c.end(true, () => r()), 1000);
          c.end(false, () => {
            clearTimeout(force);
            r();
          });
        });
      }
      metrics.setConnected(false);
      if (unacked > 0) log.info('left unacknowledged messages to the broker for the next start', { messages: unacked });
    },

    stats: () => ({ connected: client?.connected ?? false, held, maxHeld, unacked }),
    routes: () => routes,
  };
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The broker URL without credentials, for the log. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
