import { SSE_HEARTBEAT } from './sse-frame.js';

/** Where a client's events go: the HTTP response (a Writable), or a fake in tests. */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * `stream` events (rows, anomalies) build on each other: dropping one
 * means the client must be resynchronised. `latest` events (presence,
 * health, status) replace the previous one of their kind.
 */
export type Delivery = 'stream' | 'latest';

export interface SseClientOptions {
  /** Unsent bytes above which the client counts as slow. */
  readonly maxBufferedBytes: number;
  /** A fresh snapshot (framed events) for a client that lost stream events. */
  readonly resync: () => string;
  /** Counts what was dropped or coalesced, by event kind. */
  readonly onDropped?: (kind: string) => void;
}

/**
 * One viewer's connection with bounded memory. While the socket keeps up,
 * events are written at once. A slow client (a phone on weak Wi-Fi) whose
 * unsent bytes pass the limit gets nothing more: stream events are dropped
 * (it is marked stale) and only the newest `latest` event of each kind is
 * kept; on 'drain' it receives one fresh snapshot and those. So a slow
 * viewer costs at most the limit plus one snapshot, never a growing queue,
 * and never slows the others.
 */
export class SseClient {
  private stale = false;
  private waiting = false;
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly sink: SseSink,
    private readonly opts: SseClientOptions,
  ) {}

  get congested(): boolean {
    return this.waiting || this.sink.writableLength > this.opts.maxBufferedBytes;
  }

  send(kind: string, framed: string, delivery: Delivery): void {
    if (!this.congested) {
      this.sink.write(framed);
      return;
    }
    this.waitForDrain();
    this.opts.onDropped?.(kind);
    if (delivery === 'stream') this.stale = true;
    else this.pending.set(kind, framed);
  }

  heartbeat(): void {
    if (!this.congested) this.sink.write(SSE_HEARTBEAT);
  }

  /**
   * More than the limit unsent means an earlier write returned false (the
   * limit is above the stream's high-water mark), so 'drain' will come.
   */
  private waitForDrain(): void {
    if (this.waiting) return;
    this.waiting = true;
    this.sink.once('drain', () => {
      this.waiting = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.stale) {
      this.stale = false;
      this.sink.write(this.opts.resync());
    }
    for (const [kind, framed] of [...this.pending]) {
      if (this.congested) {
        this.waitForDrain(); // the rest waits for the next drain
        return;
      }
      this.pending.delete(kind);
      this.sink.write(framed);
    }
  }
}
