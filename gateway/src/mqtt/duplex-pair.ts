import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams, like the two ends of a socket: what one
 * end writes, the other reads. Node 20 has no `stream.duplexPair` (22.6+).
 *
 * Lifecycle, as a TCP connection: end() on one side is end-of-stream on the
 * other, which then ends its own side too (allowHalfOpen: false), and both
 * close; destroy() on one side (with or without an error) closes the other
 * without an error, as a dropped connection does.
 *
 * Backpressure: a write is done only once the peer's read buffer is below
 * its highWaterMark, so a reader that stops reading makes write() return
 * false and 'drain' wait, instead of growing a buffer without bound.
 */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

type Done = (e?: Error | null) => void;

class PairEnd extends Duplex {
  peer!: PairEnd;
  /** The peer's write that filled our read buffer: completed when our reader wants more. */
  private blockedWrite: Done | undefined;

  constructor() {
    super({ allowHalfOpen: false });
  }

  /** Queues `chunk` on the peer's readable side; holds `done` while that side is full. */
  private deliver(chunk: Buffer, done: Done): void {
    const peer = this.peer;
    if (peer.destroyed) return done(); // the destroy reaches us too; nothing more will be read
    if (peer.push(chunk)) done();
    else peer.blockedWrite = done;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: Done): void {
    this.deliver(chunk, done);
  }

  // mqtt-packet corks while it writes a packet in pieces (header, topic, payload): the reader gets them
  // as one chunk, as from a socket's writev; one copy costs less CPU than a 'data' event per piece (measured).
  override _writev(chunks: Array<{ chunk: Buffer }>, done: Done): void {
    this.deliver(Buffer.concat(chunks.map((c) => c.chunk)), done);
  }

  override _read(): void {
    const done = this.blockedWrite;
    this.blockedWrite = undefined;
    done?.();
  }

  override _final(done: Done): void {
    if (!this.peer.destroyed) this.peer.push(null);
    done();
  }

  override _destroy(e: Error | null, done: Done): void {
    // The peer's blocked write goes nowhere now; it is destroyed below and drops it.
    this.blockedWrite = undefined;
    if (!this.peer.destroyed) this.peer.destroy();
    done(e);
  }
}
