import type { Fields, Logger } from '../log/logger.js';
import { createRateLimitedLog } from '../log/logger.js';
import type { Outbox, OutboxRecord } from './outbox.js';

/** setTimeout/clearTimeout, injected so tests (and simulations) can drive time. */
export interface LinkTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What every device link takes besides its transport's own settings. */
export interface OutboxLinkOptions {
  /** The only buffer: frames are taken from here in order and acknowledged here as they are answered. */
  readonly outbox: Outbox;
  /** Reconnect back-off: doubles from minMs to maxMs, times a factor in [0.5, 1) from `jitter` (default 250..10000 ms). */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  readonly jitter?: () => number;
  readonly log?: Logger;
  /**
   * Where connection failures are reported: a rate-limited warning
   * (`createRateLimitedLog`), shared by many links so an outage with a
   * thousand devices is a few lines. Default: one per link, on `log`.
   */
  readonly warn?: (key: string, msg: string, fields?: Fields) => void;
  readonly timers?: LinkTimers;
}

/** How a transport opens, uses and ends one connection (`H`) and what it keeps per unanswered frame (`E`). */
export interface OutboxForwarderOptions<H, E extends { readonly offset: number }> extends OutboxLinkOptions {
  readonly maxInFlight: number;
  /**
   * true: connect only while the outbox holds frames (and again on `notify`);
   * false: stay connected, reconnecting whenever the connection is lost.
   */
  readonly connectOnDemand: boolean;
  /** Added to every log line (which device, which endpoint). */
  readonly logFields: Fields;
  /** Opens a connection; its events must be ignored once `isCurrent(generation)` is false. */
  open(generation: number): H;
  /** Drops a connection at once (it is lost or abandoned). */
  destroy(handle: H): void;
  /** Ends a connection at close; `wasConnected` allows a polite goodbye. */
  shutdown(handle: H, wasConnected: boolean): void | Promise<void>;
  /** The in-flight entry for a record; pushed before `send` so an immediate answer finds it. */
  entry(record: OutboxRecord): E;
  send(handle: H, record: OutboxRecord, entry: E, generation: number): void;
}

export interface OutboxForwarder<E> {
  /** Frames sent on this connection and not yet settled, oldest first (the transport shifts them as answers come). */
  readonly inflight: E[];
  readonly connected: boolean;
  /** Shared counters: the transport may set lastError too. */
  readonly stats: { disconnects: number; lastError: string | undefined };
  readonly warn: (key: string, msg: string, fields?: Fields) => void;
  isCurrent(generation: number): boolean;
  /** Connects (or stays idle when on demand and there is nothing to send). Call once, after setting up. */
  start(): void;
  /** The transport's connection is up: resend from the first unacknowledged frame. */
  connectedNow(): void;
  /** The connection is gone or unusable: abandon it and, unless closing or idle, reconnect after a back-off. */
  lost(): void;
  /** Every frame up to the one at `offset` is settled: persist the ack and wake those waiting. */
  acknowledge(offset: number): void;
  /** Sends what fits in the window; concurrent calls coalesce into one loop. */
  pump(): Promise<void>;
  notify(): void;
  drained(timeoutMs: number): Promise<boolean>;
  close(graceMs: number): Promise<void>;
}

export const realLinkTimers: LinkTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * The store-and-forward engine shared by the MQTT and TCP device links:
 * sends an outbox's pending frames in order over one connection at a
 * time, at most `maxInFlight` unanswered, and when the connection goes
 * reconnects with back-off and resends from the first unacknowledged
 * frame (wire-format §6.4.4, §7.2) — a frame may arrive twice but never
 * goes missing or overtakes an earlier one. A generation number, bumped
 * whenever a connection is abandoned, lets transports ignore late events.
 */
export function createOutboxForwarder<H, E extends { readonly offset: number }>(o: OutboxForwarderOptions<H, E>): OutboxForwarder<E> {
  const { outbox, maxInFlight, logFields } = o;
  const minMs = o.backoff?.minMs ?? 250;
  const maxMs = Math.max(minMs, o.backoff?.maxMs ?? 10_000);
  const jitter = o.jitter ?? Math.random;
  const timers = o.timers ?? realLinkTimers;
  const log = o.log;
  const warn = o.warn ?? (log ? createRateLimitedLog(log, { burst: 3, windowMs: 60_000 }) : () => {});

  let handle: H | undefined;
  let gen = 0;
  let connected = false;
  let closing = false;
  let cursor = outbox.ackedOffset;
  let inflight: E[] = [];
  let backoff = minMs;
  let reconnectTimer: unknown;
  let pumping = false;
  let pumpAgain = false;
  const stats = { disconnects: 0, lastError: undefined as string | undefined };
  const waiters: Array<() => void> = [];

  const wake = () => {
    for (const f of waiters.splice(0)) f();
  };
  const hasWork = () => outbox.size > 0 || outbox.pendingBytes > 0;
  const failed = (msg: string, e: unknown) => {
    stats.lastError = (e as Error).message;
    log?.error(msg, { ...logFields, error: (e as Error).message });
  };

  function connectNow(): void {
    reconnectTimer = undefined;
    if (closing || handle !== undefined) return;
    handle = o.open(++gen);
  }

  function lost(): void {
    gen++;
    if (connected) log?.debug('disconnected', { ...logFields, inFlight: inflight.length });
    connected = false;
    stats.disconnects++;
    inflight = [];
    if (handle !== undefined) o.destroy(handle);
    handle = undefined;
    wake();
    if (closing || reconnectTimer !== undefined || (o.connectOnDemand && !hasWork())) return;
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
          if (g !== gen || !connected || closing || handle === undefined) break;
          if (!records.length) break;
          for (const r of records) {
            const entry = o.entry(r);
            inflight.push(entry);
            cursor = r.next;
            o.send(handle, r, entry, g);
          }
        }
      } while (pumpAgain && connected && !closing);
    } catch (e) {
      failed('cannot read the outbox', e);
    } finally {
      pumping = false;
    }
  }

  /** Resolves once `done()` holds (re-checked on every wake) or after ms; true when it held. */
  function waitFor(done: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (v: boolean) => {
        if (settled) return;
        settled = true;
        timers.clearTimeout(timer);
        resolve(v);
      };
      const check = () => {
        if (done()) finish(true);
        else if (!settled) waiters.push(check);
      };
      const timer = timers.setTimeout(() => finish(done()), ms);
      check();
    });
  }

  return {
    get inflight() {
      return inflight;
    },
    get connected() {
      return connected;
    },
    stats,
    warn,
    isCurrent: (g) => g === gen,
    start() {
      if (!o.connectOnDemand || hasWork()) connectNow();
    },
    connectedNow() {
      connected = true;
      backoff = minMs;
      cursor = outbox.ackedOffset;
      inflight = [];
      log?.debug('connected', { ...logFields, pending: outbox.size });
      void pump();
    },
    lost,
    acknowledge(offset) {
      outbox.ack(offset).catch((e: unknown) => failed('cannot persist the outbox ack', e));
      wake();
    },
    pump,
    notify() {
      if (closing) return;
      if (connected) void pump();
      else if (o.connectOnDemand && handle === undefined && reconnectTimer === undefined) connectNow();
    },
    drained: (timeoutMs) => waitFor(() => !hasWork(), timeoutMs),
    async close(graceMs) {
      if (closing) return;
      closing = true;
      if (reconnectTimer !== undefined) timers.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
      if (connected && inflight.length) await waitFor(() => !connected || inflight.length === 0, graceMs);
      const h = handle;
      const wasConnected = connected;
      gen++;
      connected = false;
      handle = undefined;
      wake();
      if (h !== undefined) await o.shutdown(h, wasConnected);
    },
  };
}
