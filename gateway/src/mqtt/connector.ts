import { randomUUID } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import { createRateLimitedLog, MAX_BATCH_SIZE, type Logger } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import type { FunctionDefinition } from '../runtime/function-definition.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import { DEFERRED, sendPuback } from './acking-client.js';
import type { Answer } from './answer.js';
import { createBrokerConnection, KEEPALIVE_S } from './broker-connection.js';
import type { ConnectorConfig } from './connector-config.js';
import { createConnectorMetrics, type ConnectorMetrics } from './connector-metrics.js';
import { createDeadLetterPublisher } from './dead-letter-publisher.js';
import type { Delivery, DeliveryEnd } from './delivery.js';
import { FunctionLane } from './function-lane.js';
import { HeldMessages, type HeldMessage } from './held-messages.js';
import { createInflightWindow } from './inflight-window.js';
import { buildRoutes, type BatchKind, type Routes } from './routes.js';
import { createStallKeepalive } from './stall-keepalive.js';
import { createSubscriptions } from './subscriptions.js';

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
  /** Replaces mqtt.connect: tests, and connectInProcess when the broker runs in this process. */
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

/**
 * Wires the connector's parts: the broker connection feeds the in-flight
 * window, which hands messages to one lane per function; a message's end
 * at each function goes to the held-message bookkeeping, which sends the
 * PUBACK once every function is done and every dead letter of it published.
 */
export function createMqttConnector(deps: ConnectorDeps): MqttConnector {
  const { config } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const warnLimited = createRateLimitedLog(log);
  const metrics: ConnectorMetrics = createConnectorMetrics(deps.registry);
  const newCallId = deps.newCallId ?? randomUUID;
  const maxBatchBytes = Math.min(MAX_BATCH_SIZE, deps.maxBodyBytes);

  let routes = readRoutes();
  const lanes = new Map<string, FunctionLane<HeldMessage>>();
  let stopping = false;
  const isStopping = (): boolean => stopping;

  const held = new HeldMessages({
    setUnacked: (n) => metrics.setInflight(n),
    puback: (id) => {
      const c = connection.client;
      if (!c?.connected) return false;
      sendPuback(c, id);
      return true;
    },
  });
  const keepalive = createStallKeepalive(() => connection.client, KEEPALIVE_S);
  const intake = createInflightWindow({ held, inflight: config.inflight, routes: () => routes, laneFor, keepalive, warnLimited, isStopping });
  const deadLetters = createDeadLetterPublisher({ client: () => connection.client, held, clock, config, metrics, warnLimited, isStopping });
  const subscriptions = createSubscriptions(log);
  const connection = createBrokerConnection({
    config,
    log,
    metrics,
    held,
    filters: () => routes.filters,
    subscriptions,
    onPublish: intake.onPublish,
    // MQTT.js starts reading afresh on the next connection; the parked message comes again from the broker.
    onClose: () => intake.unpark(),
    isStopping,
    connect: deps.connect,
  });

  function readRoutes(): Routes {
    const { routes: r, problems } = buildRoutes(deps.functions());
    for (const p of problems) log.error('topic annotation is not a valid MQTT filter; the function gets no MQTT messages', { function: p.function, filter: p.filter });
    return r;
  }

  function laneFor(name: string, batch: BatchKind | undefined): FunctionLane<HeldMessage> {
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
  }

  function onEnd(d: Delivery<HeldMessage>, end: DeliveryEnd): void {
    const m = d.message;
    if (end.kind === 'dead') deadLetters.publish(d, end.answer);
    else metrics.message(d.fn, end.kind);
    if (held.functionDone(m)) intake.slotFreed();
    held.maybeAck(m);
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

  return {
    start: () => connection.start(),

    refresh() {
      const before = routes.filters;
      routes = readRoutes();
      for (const f of routes.functions) lanes.get(f.name)?.setBatch(f.batch);
      subscriptions.changed(connection.client, before, routes.filters);
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      intake.unpark()?.done(DEFERRED);
      const deadline = clock.now() + deps.drainMs;
      const lanesIdle = Promise.all([...lanes.values()].map((l) => l.stop()));
      await Promise.race([lanesIdle, sleepMs(deps.drainMs)]);
      // Dead letters just published: give the broker's PUBACKs the rest of the time.
      while (deadLetters.pending() > 0 && connection.client?.connected && clock.now() < deadline) await sleepMs(10);
      await connection.end();
      metrics.setConnected(false);
      if (held.unacked > 0) log.info('left unacknowledged messages to the broker for the next start', { messages: held.unacked });
    },

    stats: () => ({ connected: connection.client?.connected ?? false, held: held.held, maxHeld: held.maxHeld, unacked: held.unacked }),
    routes: () => routes,
  };
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
