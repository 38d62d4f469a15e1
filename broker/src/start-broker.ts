import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { createLogger, createRateLimitedLog, type Logger } from '@typedcluster/core';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import { Registry } from 'prom-client';
import type { FunctionUser } from './access-control.js';
import { createAuthenticate, usernameOf, type ConnectionUsers, type DeviceAuthenticator } from './authenticate-client.js';
import { createAuthorizers } from './authorize-client.js';
import { createBrokerMetrics, type BrokerMetrics } from './broker-metrics.js';
import { DEFAULT_MAX_PACKET_BYTES, DEFAULT_MQTT_PORT } from './broker-config.js';
import { classifyClientError } from './client-errors.js';
import { listen } from './listen.js';
import { openBrokerStore } from './open-persistence.js';
import { guardConnection } from './packet-guard.js';
import { Refusal } from './refusal.js';
import { createSessionOwners } from './session-owners.js';

export interface BrokerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1883; 0 picks a free port (see `port` in the result). */
  readonly port?: number;
  /** Where sessions and queued QoS 1 messages are kept across restarts; created if missing. */
  readonly persistenceDir: string;
  /** Device logins: `createMqttCredentialStore(db).authenticate` in production. */
  readonly authenticate: DeviceAuthenticator;
  /** Password of the `gateway` user (secret mqtt-gateway-password); without it nobody can log in as gateway. */
  readonly gatewayPassword?: string;
  /** Password of the `alert-client` user (secret mqtt-alert-client-password); without it nobody can log in as alert-client. */
  readonly alertClientPassword?: string;
  /** Passwords of the function users (`store-reading`, `detect-anomaly`; secrets mqtt-{name}-password); a function without one cannot log in. */
  readonly functionPasswords?: Readonly<Partial<Record<FunctionUser, string>>>;
  /** Largest packet accepted, headers included; default 64 KiB. */
  readonly maxPacketBytes?: number;
  readonly log?: Logger;
  /** Where the metrics go; default a registry of its own (`metrics.registry`). */
  readonly registry?: Registry;
}

export interface RunningBroker {
  /** `mqtt://host:port`, for clients. */
  readonly url: string;
  readonly port: number;
  readonly metrics: BrokerMetrics;
  /**
   * Serves one client over an in-memory stream from this process (the
   * gateway's connector under `typedcluster up`), as a TCP client but with
   * no socket and no packet guard (it is our own code). False once the
   * broker is stopping: the stream is left alone, connect otherwise.
   */
  handle(stream: Duplex): boolean;
  /** Disconnects everyone, then closes the store; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The embedded MQTT broker: Aedes over an in-memory store mirrored to
 * disk (MirroredPersistence), behind a packet guard, with the logins
 * and ACL of docs/topics.md. Start-up failures
 * (port taken, store locked) throw StartupError; what was opened is closed.
 */
export async function startBroker(opts: BrokerOptions): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const log = opts.log ?? createLogger('broker');
  const warn = createRateLimitedLog(log);
  const store = await openBrokerStore(opts.persistenceDir, {
    onError: (e) => warn('store', 'MQTT store write failed', { error: e }),
    onWarning: (message, fields) => log.warn(message, fields),
  });

  const users: ConnectionUsers = new WeakMap();
  let aedes: Aedes | undefined;
  const liveOwner = (clientId: string): string | undefined => {
    const c = (aedes as unknown as { clients: Record<string, Client | undefined> } | undefined)?.clients[clientId];
    const user = c ? users.get(c) : undefined;
    return user ? usernameOf(user) : undefined;
  };
  const registry = opts.registry ?? new Registry();
  const metrics = createBrokerMetrics(registry, () => aedes?.connectedClients ?? 0);
  const refused = (r: Refusal, fields: Record<string, unknown>) => {
    metrics.refused(r.reason);
    warn(r.reason, 'MQTT connection refused', { ...fields, reason: r.reason, why: r.message });
  };

  const handlers = {
    authenticate: createAuthenticate({
      authenticateDevice: opts.authenticate,
      gatewayPassword: opts.gatewayPassword,
      alertClientPassword: opts.alertClientPassword,
      functionPasswords: opts.functionPasswords,
      owners: createSessionOwners(store.db, liveOwner),
      users,
      metrics,
      warn,
      log,
    }),
    ...createAuthorizers({ users, metrics, warn }),
  };
  // Every connection, so stop() can end those Aedes does not know yet (no CONNECT so far, or mid-login).
  const sockets = new Set<Duplex>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const remote = socket.remoteAddress;
    aedes?.handle(guardConnection(socket, maxPacketBytes, (r) => refused(r, { remote })));
  });
  let stopping = false;
  const stop = once(() => {
    stopping = true;
    return shutdown(server, sockets, aedes, store.close, metrics);
  });
  const handle = (stream: Duplex): boolean => {
    if (stopping || !aedes) return false;
    sockets.add(stream);
    stream.once('close', () => sockets.delete(stream));
    aedes.handle(stream);
    return true;
  };
  try {
    // The handlers' callback types are looser than Aedes' (its const enum return codes).
    aedes = await Aedes.createBroker({ persistence: store.persistence, ...(handlers as Partial<AedesOptions>) });
    watch(aedes, metrics, refused, log);
    const port = await listen(server, host, opts.port ?? DEFAULT_MQTT_PORT);
    const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
    log.info('MQTT broker listening', { url, store: opts.persistenceDir, maxPacketBytes });
    return { url, port, metrics, handle, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Counts what Aedes reports itself: accepted publishes, and protocol violations its parser found. */
function watch(aedes: Aedes, metrics: BrokerMetrics, refused: (r: Refusal, fields: Record<string, unknown>) => void, log: Logger): void {
  aedes.on('publish', (packet, client) => {
    if (client) metrics.published(packet.qos);
  });
  const onClientError = (client: Client, e: Error) => {
    const kind = classifyClientError(e);
    if (kind === 'violation') refused(new Refusal('malformed', e.message), { clientId: client.id || undefined });
    else if (kind === 'connection') log.debug('MQTT client dropped', { clientId: client.id, error: e.message });
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);
  // Broker-level errors (a failed store write) must not crash the process as an unhandled 'error' event.
  (aedes as EventEmitter).on('error', (e: Error) => log.error('MQTT broker error', { error: e }));
}

async function shutdown(server: Server, sockets: Set<Duplex>, aedes: Aedes | undefined, closeStore: () => Promise<void>, metrics: BrokerMetrics): Promise<void> {
  // Stop accepting first; close() resolves once every socket is gone.
  const serverClosed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await serverClosed;
  await closeStore();
  metrics.unregister();
}

function once(f: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= f());
}
