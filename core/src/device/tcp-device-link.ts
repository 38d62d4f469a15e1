import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { createOutboxForwarder, type OutboxLinkOptions } from './outbox-forwarder.js';
import { ACK_MAX_SIZE, decodeAck, type AckRecord } from './tcp-ack.js';
import { createStreamReader, prefixedRecord } from './tcp-stream-reader.js';

export interface TcpDeviceLinkOptions extends OutboxLinkOptions {
  readonly host: string;
  readonly port: number;
  /** TLS options (ca, servername, …): TLS when set, plain TCP otherwise (wire-format §6.4.1). */
  readonly tls?: ConnectionOptions;
  /** Frames sent and not yet answered at most (default 128; keep it ≤ the gateway's TCP_WINDOW). */
  readonly maxInFlight?: number;
  /** A connection with frames unanswered and nothing received for this long is dropped and made again (default 30 s). */
  readonly answerTimeoutMs?: number;
  /** Frames the gateway refused for good (REFUSED, §6.4.3): already removed from the outbox. */
  readonly onRefused?: (ack: AckRecord, frame: Uint8Array) => void;
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
  const connectFn = o.connect ?? defaultConnect;
  const where = `${o.host}:${o.port}`;
  let expected = 0; // frame number of the next answer (§6.4.2)
  const stats = { stored: 0, duplicates: 0, refused: 0, retries: 0 };

  const f = createOutboxForwarder<Socket, InFlight>({
    ...o,
    maxInFlight: Math.max(1, o.maxInFlight ?? 128),
    connectOnDemand: true,
    logFields: { to: where },
    open,
    destroy: (s) => s.destroy(),
    shutdown: (s) => {
      s.end();
      s.destroy();
    },
    entry: (r) => ({ offset: r.offset, frame: r.frame }),
    send: (s, r) => s.write(prefixedRecord(r.frame)),
  });

  function open(g: number): Socket {
    const s = connectFn({ host: o.host, port: o.port, ...(o.tls ? { tls: o.tls } : {}) });
    const reader = createStreamReader(ACK_MAX_SIZE);
    s.setNoDelay(true);
    s.setKeepAlive(true, 15_000);
    s.setTimeout(o.answerTimeoutMs ?? 30_000);
    s.once(o.tls ? 'secureConnect' : 'connect', () => {
      if (!f.isCurrent(g)) return;
      expected = 0;
      f.connectedNow(); // resends from the first unacknowledged frame (§6.4.4)
    });
    s.on('data', (chunk: Buffer) => {
      if (!f.isCurrent(g)) return;
      const { records, broken } = reader.push(chunk);
      for (const r of records) if (f.isCurrent(g)) onRecord(r);
      if (broken && f.isCurrent(g)) drop(`the gateway sent a broken record prefix: ${broken.message}`);
    });
    s.on('timeout', () => {
      if (!f.isCurrent(g)) return;
      if (!f.connected) drop('connect timed out');
      else if (f.inflight.length > 0) drop(`no answer for ${f.inflight.length} frames`);
    });
    s.on('error', (e) => {
      if (!f.isCurrent(g)) return;
      f.stats.lastError = e.message;
      f.warn('tcp-connection', 'TCP connection failed', { to: where, error: e.message });
    });
    s.on('close', () => {
      if (f.isCurrent(g)) f.lost();
    });
    return s;
  }

  function drop(reason: string): void {
    f.stats.lastError = reason;
    f.warn('tcp-protocol', 'dropping the TCP connection', { to: where, reason });
    f.lost();
  }

  function onRecord(bytes: Uint8Array): void {
    const r = decodeAck(bytes);
    if (!r.ok) return drop(`not an ack record: ${r.error.code} ${r.error.message}`);
    const ack = r.value;
    if (ack.outcome === 'closing') {
      o.log?.debug('the gateway closes the connection', { to: where, code: ack.code });
      return f.lost();
    }
    const head = f.inflight[0];
    if (!head || ack.frameNumber !== expected) return drop(`answer for frame ${ack.frameNumber}, expected ${expected}`);
    if (ack.outcome === 'retry') {
      stats.retries++;
      f.stats.lastError = `RETRY ${ack.code}`;
      f.warn('tcp-retry', 'the gateway could not process a frame now; resending after reconnecting', { to: where, code: ack.code, seq: String(ack.seq) });
      return f.lost();
    }
    f.inflight.shift();
    expected = (expected + 1) >>> 0;
    if (ack.outcome === 'stored') stats.stored++;
    else if (ack.outcome === 'duplicate') stats.duplicates++;
    else {
      stats.refused++;
      o.onRefused?.(ack, head.frame);
    }
    f.acknowledge(head.offset);
    void f.pump();
  }

  f.start();

  return {
    get stats(): TcpDeviceLinkStats {
      return { connected: f.connected, ...stats, disconnects: f.stats.disconnects, lastError: f.stats.lastError, inFlight: f.inflight.length };
    },
    notify: () => f.notify(),
    drained: (timeoutMs) => f.drained(timeoutMs),
    close: (graceMs = 1000) => f.close(graceMs),
  };
}
