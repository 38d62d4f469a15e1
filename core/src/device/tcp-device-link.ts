import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { Fields, Logger } from '../log/logger.js';
import { createRateLimitedLog } from '../log/logger.js';
import type { LinkTimers } from './mqtt-device-link.js';
import type { Outbox } from './outbox.js';
import { ACK_MAX_SIZE, decodeAck, type AckRecord } from './tcp-ack.js';
import { createStreamReader, prefixedRecord } from './tcp-stream-reader.js';

export interface TcpDeviceLinkOptions {
  readonly host: string;
  readonly port: number;
  /** TLS options (ca, servername, …): TLS when set, plain TCP otherwise (wire-format §6.4.1). */
  readonly tls?: ConnectionOptions;
  /** The only buffer: frames are sent from here in order and acknowledged here as the gateway answers. */
  readonly outbox: Outbox;
  /** Frames sent and not yet answered at most (default 128; keep it ≤ the gateway's TCP_WINDOW). */
  readonly maxInFlight?: number;
  /** Reconnect back-off: doubles from minMs to maxMs, times a factor in [0.5, 1) from `jitter` (default 250..10000 ms). */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly jitter?: () => number;
  /** A connection with frames unanswered and nothing received for this long is dropped and made again (default 30 s). */
  readonly answerTimeoutMs?: number;
  /** Frames the gateway refused for good (REFUSED, §6.4.3): already removed from the outbox. */
  readonly onRefused?: (ack: AckRecord, frame: Uint8Array) => void;
  readonly log?: Logger;
  readonly warn?: (key: string, msg: string, fields?: Fields) => void;
  readonly timers?: LinkTimers;
  /** Replaces net.connect / tls.connect (tests observe or cut the socket). */
  readonly connect?: (o: { host: string; port: number; tls?: ConnectionOptions }) => Socket;
}

export interface TcpDeviceLinkStats {
  readonly connected: boolean;
  /** Frames answered STORED, DUPLICATE and REFUSED over the life of the link. */
  readonly stored: number;
  readonly duplicates: number;
  readonly refused: number;
  /** RETRY answers (each makes the link reconnect and resend). */
  readonly retries: number;
  readonly inFlight: number;
  /** Connections lost, refused or closed by the gateway. */
  readonly disconnects: number;
  readonly lastError: string | undefined;
}

export interface TcpDeviceLink {
  readonly stats: TcpDeviceLinkStats;
  /** New frames were appended to the outbox: send them (connecting if needed). Cheap; call after every append. */
  notify(): void;
  /** True once the outbox is empty (every frame answered); false after timeoutMs. */
  drained(timeoutMs: number): Promise<boolean>;
  /** Stops sending and reconnecting, waits up to graceMs (default 1000) for answers in flight, then closes. Does not close the outbox. */
  close(graceMs?: number): Promise<void>;
}

interface InFlight {
  readonly offset: number;
  readonly frame: Uint8Array;
}

const realTimers: LinkTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const defaultConnect = (o: { host: string; port: number; tls?: ConnectionOptions }): Socket =>
  o.tls ? tlsConnect({ ...o.tls, host: o.host, port: o.port }) : netConnect({ host: o.host, port: o.port });

/**
 * A device's TCP connection to the gateway's listener (wire-format §6.4),
 * fed from its outbox like the MQTT link: sends pending frames in order,
 * at most `maxInFlight` unanswered, and acknowledges the outbox as the
 * gateway's records come back (one per frame, in order). STORED, DUPLICATE
 * and REFUSED remove a frame; on RETRY, CLOSING, a lost connection or
 * silence it reconnects with back-off and resends from the first
 * unacknowledged frame (§6.4.4). With nothing to send it stays
 * disconnected until `notify()`.
 */
export function startTcpDeviceLink(o: TcpDeviceLinkOptions): TcpDeviceLink {
  const { outbox } = o;
  const maxInFlight = Math.max(1, o.maxInFlight ?? 128);
  const minMs = o.backoff?.minMs ?? 250;
  const maxMs = Math.max(minMs, o.backoff?.maxMs ?? 10_000);
  const jitter = o.jitter ?? Math.random;
  const timers = o.timers ?? realTimers;
  const connectFn = o.connect ?? defaultConnect;
  const log = o.log;
  const warn = o.warn ?? (log ? createRateLimitedLog(log, { burst: 3, windowMs: 60_000 }) : () => {});
  const where = `${o.host}:${o.port}`;

  let socket: Socket | undefined;
  let gen = 0; // bumped whenever a socket is abandoned: its late events are ignored
  let connected = false;
  let closing = false;
  let cursor = outbox.ackedOffset;
  let inflight: InFlight[] = [];
  let expected = 0; // frame number of the next answer (§6.4.2)
  let backoff = minMs;
  let reconnectTimer: unknown;
  let pumping = false;
  let pumpAgain = false;
  const stats = { stored: 0, duplicates: 0, refused: 0, retries: 0, disconnects: 0, lastError: undefined as string | undefined };
  let waiters: Array<() => void> = [];

  const wake = () => {
    for (const f of waiters.splice(0)) f();
  };
  const hasWork = () => outbox.size > 0 || outbox.pendingBytes > 0;

  function connectNow(): void {
    reconnectTimer = undefined;
    if (closing || socket) return;
    const g = ++gen;
    const s = connectFn({ host: o.host, port: o.port, ...(o.tls ? { tls: o.tls } : {}) });
    socket = s;
    const reader = createStreamReader(ACK_MAX_SIZE);
    s.setNoDelay(true);
    s.setKeepAlive(true, 15_000);
    s.setTimeout(o.answerTimeoutMs ?? 30_000);
    s.once(o.tls ? 'secureConnect' : 'connect', () => {
      if (g !== gen) return;
      connected = true;
      backoff = minMs;
      cursor = outbox.ackedOffset; // resend from the first unacknowledged frame (§6.4.4)
      inflight = [];
      expected = 0;
      log?.debug('connected', { to: where, pending: outbox.size });
      void pump();
    });
    s.on('data', (chunk: Buffer) => {
      if (g !== gen) return;
      const { records, broken } = reader.push(chunk);
      for (const r of records) if (g === gen) onRecord(r);
      if (broken && g === gen) drop(`the gateway sent a broken record prefix: ${broken.message}`);
    });
    s.on('timeout', () => {
      if (g !== gen) return;
      if (!connected) drop('connect timed out');
      else if (inflight.length > 0) drop(`no answer for ${inflight.length} frames`);
    });
    s.on('error', (e) => {
      if (g !== gen) return;
      stats.lastError = e.message;
      warn('tcp-connection', 'TCP connection failed', { to: where, error: e.message });
    });
    s.on('close', () => {
      if (g === gen) lost();
    });
  }

  function drop(reason: string): void {
    stats.lastError = reason;
    warn('tcp-protocol', 'dropping the TCP connection', { to: where, reason });
    lost();
  }

  /** Abandons the socket and, unless closing or idle, schedules the next try. */
  function lost(): void {
    gen++;
    if (connected) log?.debug('disconnected', { to: where, inFlight: inflight.length });
    connected = false;
    stats.disconnects++;
    inflight = [];
    socket?.destroy();
    socket = undefined;
    wake();
    if (closing || reconnectTimer !== undefined || !hasWork()) return;
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    const delay = Math.round(backoff * (0.5 + 0.5 * jitter()));
    backoff = Math.min(backoff * 2, maxMs);
    reconnectTimer = timers.setTimeout(connectNow, delay);
  }

  function onRecord(bytes: Uint8Array): void {
    const r = decodeAck(bytes);
    if (!r.ok) return drop(`not an ack record: ${r.error.code} ${r.error.message}`);
    const ack = r.value;
    if (ack.outcome === 'closing') {
      log?.debug('the gateway closes the connection', { to: where, code: ack.code });
      return lost();
    }
    const head = inflight[0];
    if (!head || ack.frameNumber !== expected) return drop(`answer for frame ${ack.frameNumber}, expected ${expected}`);
    if (ack.outcome === 'retry') {
      stats.retries++;
      stats.lastError = `RETRY ${ack.code}`;
      warn('tcp-retry', 'the gateway could not process a frame now; resending after reconnecting', { to: where, code: ack.code, seq: String(ack.seq) });
      return lost();
    }
    inflight.shift();
    expected = (expected + 1) >>> 0;
    if (ack.outcome === 'stored') stats.stored++;
    else if (ack.outcome === 'duplicate') stats.duplicates++;
    else {
      stats.refused++;
      o.onRefused?.(ack, head.frame);
    }
    outbox.ack(head.offset).catch((e: unknown) => {
      stats.lastError = (e as Error).message;
      log?.error('cannot persist the outbox ack', { error: (e as Error).message });
    });
    wake();
    void pump();
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
          if (g !== gen || !connected || closing || !socket) break;
          if (!records.length) break;
          for (const r of records) {
            inflight.push({ offset: r.offset, frame: r.frame });
            cursor = r.next;
            socket.write(prefixedRecord(r.frame));
          }
        }
      } while (pumpAgain && connected && !closing);
    } catch (e) {
      stats.lastError = (e as Error).message;
      log?.error('cannot read the outbox', { error: (e as Error).message });
    } finally {
      pumping = false;
    }
  }

  if (hasWork()) connectNow();

  return {
    get stats(): TcpDeviceLinkStats {
      return { connected, ...stats, inFlight: inflight.length };
    },
    notify() {
      if (closing) return;
      if (connected) void pump();
      else if (!socket && reconnectTimer === undefined) connectNow();
    },
    drained(timeoutMs) {
      return new Promise((resolve) => {
        let done = false;
        const finish = (v: boolean) => {
          if (done) return;
          done = true;
          timers.clearTimeout(timer);
          resolve(v);
        };
        const check = () => {
          if (!hasWork()) finish(true);
          else if (!done) waiters.push(check);
        };
        const timer = timers.setTimeout(() => finish(!hasWork()), timeoutMs);
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
      gen++;
      connected = false;
      const s = socket;
      socket = undefined;
      wake();
      s?.end();
      s?.destroy();
    },
  };
}
