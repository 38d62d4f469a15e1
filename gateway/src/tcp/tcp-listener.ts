import { randomUUID } from 'node:crypto';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Registry } from 'prom-client';
import { createRateLimitedLog, encodeAck, MAX_BATCH_SIZE, prefixedRecord, StartupError, type Logger } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import type { LaneMessage } from '../mqtt/delivery.js';
import { FunctionLane } from '../mqtt/function-lane.js';
import type { Clock } from '../runtime/clock.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import type { TcpListenerConfig } from './tcp-config.js';
import { TcpConnection, type FrameAnswer } from './tcp-connection.js';
import { frameAnswerOfEnd } from './tcp-lane-answer.js';
import { createTcpMetrics } from './tcp-metrics.js';

export interface TcpListenerDeps {
  readonly config: TcpListenerConfig;
  /** The gateway's own invocation path (supervisor + OpenFaaS metrics). */
  readonly invoke: (fn: string, req: UpstreamRequest) => Promise<InvocationOutcome>;
  readonly registry: Registry;
  readonly log: Logger;
  readonly clock: Clock;
  /** The gateway's MAX_BODY_BYTES: a frames body stays below it. */
  readonly maxBodyBytes: number;
  /** How long stop() lets open frames be answered before connections are cut. */
  readonly drainMs: number;
}

export interface TcpListener {
  /** Listens; resolves with the port. Throws StartupError when the address cannot be used. */
  start(): Promise<number>;
  /** Stops accepting and reading, answers open frames for up to drainMs, sends CLOSING SHUTTING_DOWN, closes. */
  stop(): Promise<void>;
  readonly connections: number;
}

interface TcpMessage extends LaneMessage {
  readonly answer: (a: FrameAnswer) => void;
}

/**
 * The gateway's TCP listener for devices (wire-format §6.4): each
 * connection's frames go to TCP_FUNCTION (ingest-binary) as frames
 * bodies through one function lane shared by all connections, so frames
 * of many devices share invocations, a connection's frames stay in order
 * (its SESSION before its data), and failed invocations are retried the
 * way the MQTT connector retries them.
 */
export function createTcpListener(deps: TcpListenerDeps): TcpListener {
  const { config, log, clock } = deps;
  const metrics = createTcpMetrics(deps.registry);
  const warn = createRateLimitedLog(log);
  const lane = new FunctionLane<TcpMessage>(config.functionName, 'frames', {
    clock,
    config,
    maxBatchBytes: Math.min(MAX_BATCH_SIZE, deps.maxBodyBytes),
    bundles: false,
    invoke: deps.invoke,
    newCallId: randomUUID,
    onEnd: (d, end) => d.message.answer(frameAnswerOfEnd(end)),
    onRetry: (d, a) => {
      metrics.retried();
      warn(`retry:${a.code ?? a.status}`, 'invocation failed; retrying', { function: config.functionName, status: a.status, code: a.code, reason: a.reason, retries: d.retries });
    },
    onSplit: (fn, size, a) => warn(`split:${fn}`, 'batch failed as a whole; retrying its frames one at a time', { function: fn, frames: size, status: a.status, code: a.code }),
  });
  const open = new Set<TcpConnection>();
  const sockets = new Set<Socket>();
  let stopping = false;

  function onSocket(socket: Socket): void {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    // First, refused sockets included: an 'error' without a listener (a peer's reset) would crash the gateway.
    socket.on('error', (e) => log.debug('connection error', { peer, error: e.message }));
    if (stopping || open.size >= config.maxConnections) {
      const code = stopping ? 'SHUTTING_DOWN' : 'TOO_MANY_CONNECTIONS';
      metrics.connectionRefused(code);
      warn(`refuse:${code}`, 'connection refused', { peer, code, open: open.size });
      socket.end(prefixedRecord(encodeAck({ outcome: 'closing', frameNumber: 0, deviceId: 0, seq: 0n, code })));
      return;
    }
    sockets.add(socket);
    const topic = `tcp:${randomUUID()}`;
    const conn = new TcpConnection({
      window: config.window,
      transport: {
        write: (b) => void socket.write(b),
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        end: () => socket.end(),
      },
      submit: (frame, answer) => void lane.add({ topic, payload: Buffer.from(frame.buffer, frame.byteOffset, frame.length), answer }),
      events: {
        frame: () => metrics.frame(),
        ack: (outcome, code) => metrics.ack(outcome, code),
        protocolError: (code, detail) => {
          metrics.protocolError(code);
          warn(`protocol:${code}`, 'stream cannot be framed', { peer, code, detail });
        },
      },
    });
    open.add(conn);
    metrics.connectionOpened(config.tls !== undefined);
    log.debug('connection opened', { peer, open: open.size });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.setTimeout(config.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => conn.data(chunk));
    socket.on('timeout', () => {
      if (conn.idle()) log.debug('idle connection closed', { peer });
    });
    socket.on('close', () => {
      conn.gone();
      open.delete(conn);
      sockets.delete(socket);
      metrics.connectionClosed();
      log.debug('connection closed', { peer, open: open.size });
    });
  }

  const server: Server = config.tls
    ? createTlsServer({ cert: config.tls.cert, key: config.tls.key, minVersion: 'TLSv1.2' }, onSocket).on('tlsClientError', (e) => {
        metrics.protocolError('TLS_HANDSHAKE');
        warn('tls', 'TLS handshake failed', { error: e.message });
      })
    : createNetServer(onSocket);

  return {
    get connections() {
      return open.size;
    },
    start: () =>
      new Promise<number>((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException) => {
          const where = `${config.bindAddress}:${config.port}`;
          if (e.code === 'EADDRINUSE') reject(new StartupError('PORT_IN_USE', `${where} is already in use (TCP listener)`, 'set TCP_PORT to a free port or stop the other process'));
          else reject(new StartupError('CONFIG_INVALID', `the TCP listener cannot listen on ${where} (${e.code ?? e.message})`, 'set TCP_BIND_ADDRESS to an address of this machine and TCP_PORT above 1023'));
        };
        server.once('error', onError);
        server.listen(config.port, config.bindAddress, () => {
          server.off('error', onError);
          const addr = server.address();
          const port = typeof addr === 'object' && addr ? addr.port : config.port;
          log.info(`TCP listener on ${config.bindAddress}:${port}`, { tls: config.tls !== undefined, function: config.functionName, window: config.window });
          resolve(port);
        });
      }),
    async stop() {
      stopping = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      const conns = [...open];
      const answered = Promise.all(conns.map((c) => c.closeWhenAnswered('SHUTTING_DOWN')));
      let timer: unknown;
      await Promise.race([answered, new Promise<void>((r) => (timer = clock.setTimeout(r, deps.drainMs)))]);
      clock.clearTimeout(timer);
      for (const c of conns) c.abort('SHUTTING_DOWN');
      await lane.stop();
      // CLOSING was written; a peer that does not close its side is not waited for.
      await new Promise<void>((r) => clock.setTimeout(r, sockets.size > 0 ? 200 : 0));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
