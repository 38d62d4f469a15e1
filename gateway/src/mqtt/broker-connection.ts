import { connect as mqttConnect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '@typedcluster/core';
import { backoffMs } from '../runtime/clock.js';
import { canAcknowledge, type Done } from './acking-client.js';
import type { ConnectorConfig } from './connector-config.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import type { HeldMessages } from './held-messages.js';
import { isInProcess } from './in-process-connect.js';
import type { Subscriptions } from './subscriptions.js';

export const KEEPALIVE_S = 30;

export interface BrokerConnectionDeps {
  readonly config: ConnectorConfig;
  readonly log: Logger;
  readonly metrics: ConnectorMetrics;
  readonly held: HeldMessages;
  /** The filters every connection subscribes to. */
  readonly filters: () => readonly string[];
  readonly subscriptions: Subscriptions;
  /** MQTT.js's `handleMessage`. */
  readonly onPublish: (packet: IPublishPacket, done: Done) => void;
  /** The connection closed (before MQTT.js schedules the reconnect). */
  readonly onClose: () => void;
  readonly isStopping: () => boolean;
  /** Replaces mqtt.connect: tests, and connectInProcess when the broker runs in this process. */
  readonly connect?: (url: string, options: IClientOptions) => MqttClient;
}

export interface BrokerConnection {
  /** undefined before start(). */
  readonly client: MqttClient | undefined;
  /** Connects and subscribes; resolves once subscribed or the first attempt failed (MQTT.js keeps trying with back-off). */
  start(): Promise<void>;
  /** Disconnects, sending what is queued first (forcibly after 1 s). */
  end(): Promise<void>;
}

/** The broker connection's lifecycle: a persistent session, reconnects with back-off, and their log lines. */
export function createBrokerConnection(deps: BrokerConnectionDeps): BrokerConnection {
  const { config, log, metrics } = deps;
  const where = redacted(config.url);
  let state: 'starting' | 'up' | 'down' = 'starting';
  let lastError = '';
  let reconnectFailures = 0;
  let client: MqttClient | undefined;

  function onConnect(c: MqttClient, ack: IConnackPacket): Promise<void> {
    const lost = deps.held.sessionStarted(ack.sessionPresent);
    if (lost > 0) log.warn('the broker did not keep the session: messages in progress are finished but cannot be acknowledged', { messages: lost });
    // PUBACKs are small and late: send them at once rather than waiting on Nagle.
    (c.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    reconnectFailures = 0;
    lastError = '';
    c.options.reconnectPeriod = config.retryBackoffMs;
    state = 'up';
    metrics.setConnected(true);
    const filters = deps.filters();
    // `via`: the broker in this process, over an in-memory stream (connectInProcess); absent over the network.
    const via = isInProcess(c) ? { via: 'in-process' } : {};
    log.info('connected to the MQTT broker', { url: where, ...via, clientId: config.clientId, session: ack.sessionPresent ? 'resumed' : 'new', filters: filters.join(',') });
    return deps.subscriptions.connected(c, filters);
  }

  function onClose(c: MqttClient): void {
    // Runs before MQTT.js schedules the reconnect, so the period set here is the next wait.
    const wasUp = state === 'up';
    if (!wasUp) reconnectFailures++;
    c.options.reconnectPeriod = wasUp ? config.retryBackoffMs : backoffMs(reconnectFailures + 1, config.retryBackoffMs, config.retryBackoffMaxMs);
    deps.onClose();
    if (deps.isStopping()) return;
    metrics.setConnected(false);
    if (wasUp) log.warn('lost the MQTT broker; reconnecting with back-off', { url: where, held: deps.held.held, unacked: deps.held.unacked, ...(lastError ? { error: lastError } : {}) });
    state = 'down';
  }

  function onError(err: Error): void {
    if (deps.isStopping() || err.message === lastError) return;
    lastError = err.message;
    if (state !== 'up') log.warn('MQTT broker not reachable; retrying with back-off', { url: where, error: err.message, retryMaxMs: config.retryBackoffMaxMs });
  }

  return {
    get client() {
      return client;
    },

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
      if (!canAcknowledge(c)) {
        c.end(true);
        throw new Error('this MQTT.js has no _sendPacket; the connector cannot acknowledge messages itself (pin mqtt to 5.x)');
      }
      c.handleMessage = deps.onPublish;
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

    async end() {
      const c = client;
      if (!c) return;
      await new Promise<void>((r) => {
        const force = setTimeout(() => c.end(true, () => r()), 1000);
        c.end(false, () => {
          clearTimeout(force);
          r();
        });
      });
    },
  };
}

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
