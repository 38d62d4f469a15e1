import { createStreamReader, encodeAck, MAX_FRAME_SIZE, prefixedRecord, type AckOutcome, type ErrorCode } from '@typedcluster/core';

/** What happened to one frame, as the device is told (wire-format §6.4.3). */
export interface FrameAnswer {
  readonly outcome: Exclude<AckOutcome, 'closing'>;
  /** A catalogue code; '' for stored. */
  readonly code: string;
}

/** The socket as the protocol sees it: tests drive it without a port. */
export interface TcpTransport {
  write(bytes: Uint8Array): void;
  /** Stop reading (back-pressure) / read again. */
  pause(): void;
  resume(): void;
  /** Flush and close. */
  end(): void;
}

export interface TcpConnectionDeps {
  readonly transport: TcpTransport;
  /** Most frames open (received, not yet acknowledged) before reading stops (§6.4.5). */
  readonly window: number;
  /** Hands a frame to the function lane; `answer` is called once, when it is done. */
  readonly submit: (frame: Uint8Array, answer: (a: FrameAnswer) => void) => void;
  readonly events?: {
    frame?(): void;
    ack?(outcome: AckOutcome, code: string): void;
    protocolError?(code: ErrorCode, detail: string): void;
  };
}

interface Slot {
  readonly number: number;
  readonly deviceId: number;
  readonly seq: bigint;
  answer: FrameAnswer | undefined;
}

/**
 * One device connection of the TCP listener (wire-format §6.4): splits the
 * incoming stream into frames, hands each to the lane, and writes one
 * acknowledgement record per frame in frame-number order as answers come
 * back. Reading pauses while `window` frames are open. A broken length
 * prefix stops reading for good: the frames before it are answered, then
 * CLOSING TOO_LARGE. Socket-free, so the protocol is tested without a port.
 */
export class TcpConnection {
  private readonly reader = createStreamReader(MAX_FRAME_SIZE);
  private readonly open: Slot[] = [];
  private next = 0;
  private paused = false;
  /** Set once no more frames are read: CLOSING with this code is sent when `open` is empty. */
  private closingCode: ErrorCode | undefined;
  private ended = false;
  private drained: Array<() => void> = [];

  constructor(private readonly deps: TcpConnectionDeps) {}

  /** Frames received and not yet acknowledged. */
  get openFrames(): number {
    return this.open.length;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes from the socket. */
  data(chunk: Uint8Array): void {
    if (this.ended || this.closingCode !== undefined) return;
    const { records, broken } = this.reader.push(chunk);
    for (const frame of records) this.accept(frame);
    if (broken) {
      this.deps.events?.protocolError?.(broken.code, broken.message);
      this.closeWhenAnswered(broken.code);
    } else this.adjustFlow();
  }

  /** The socket timed out with nothing read: close unless frames are still open. */
  idle(): boolean {
    if (this.open.length > 0 || this.ended) return false;
    this.closeWhenAnswered('IDLE_TIMEOUT');
    return true;
  }

  /** Stop reading, answer what is open, then CLOSING with `code`. Resolves when the connection is ended. */
  closeWhenAnswered(code: ErrorCode): Promise<void> {
    if (this.closingCode === undefined) this.closingCode = code;
    this.setPaused(true);
    const done = new Promise<void>((resolve) => (this.ended ? resolve() : this.drained.push(resolve)));
    this.flush();
    return done;
  }

  /** Ends at once (drain time over): open frames stay unanswered; the device resends them (§6.4.4). */
  abort(code: ErrorCode): void {
    if (this.ended) return;
    if (this.closingCode === undefined) this.closingCode = code;
    this.finish();
  }

  /** The peer went away (or the socket failed): nothing more can be written. */
  gone(): void {
    if (this.ended) return;
    if (this.reader.buffered > 0) this.deps.events?.protocolError?.('TRUNCATED', `the stream ended inside a frame (${this.reader.buffered} bytes held)`);
    this.ended = true;
    this.wake();
  }

  private accept(frame: Uint8Array): void {
    const slot: Slot = { number: this.next, deviceId: headerDevice(frame), seq: headerSeq(frame), answer: undefined };
    this.next = (this.next + 1) >>> 0;
    this.open.push(slot);
    this.deps.events?.frame?.();
    this.deps.submit(frame, (a) => {
      if (slot.answer) return;
      slot.answer = a;
      this.flush();
    });
  }

  /** Writes the answered prefix of `open` in order; closes when asked and nothing is open. */
  private flush(): void {
    if (this.ended) return;
    while (this.open[0]?.answer) {
      const s = this.open.shift()!;
      const a = s.answer!;
      this.deps.transport.write(prefixedRecord(encodeAck({ outcome: a.outcome, frameNumber: s.number, deviceId: s.deviceId, seq: s.seq, code: a.code })));
      this.deps.events?.ack?.(a.outcome, a.code);
    }
    if (this.closingCode !== undefined && this.open.length === 0) this.finish();
    else this.adjustFlow();
  }

  private finish(): void {
    const code = this.closingCode ?? 'SHUTTING_DOWN';
    this.deps.transport.write(prefixedRecord(encodeAck({ outcome: 'closing', frameNumber: this.next, deviceId: 0, seq: 0n, code })));
    this.deps.events?.ack?.('closing', code);
    this.ended = true;
    this.deps.transport.end();
    this.wake();
  }

  private adjustFlow(): void {
    if (this.closingCode !== undefined || this.ended) return;
    this.setPaused(this.open.length >= this.deps.window);
  }

  private setPaused(p: boolean): void {
    if (p === this.paused) return;
    this.paused = p;
    if (p) this.deps.transport.pause();
    else this.deps.transport.resume();
  }

  private wake(): void {
    for (const r of this.drained.splice(0)) r();
  }
}

// wire-format §6.4.3: device id and seq come from the header when it is there, whatever else is wrong.
const readable = (f: Uint8Array): boolean => f.length >= 18 && f[0] === 0x54 && f[1] === 0x43;
const headerDevice = (f: Uint8Array): number => (readable(f) ? new DataView(f.buffer, f.byteOffset, f.length).getInt16(4) : 0);
const headerSeq = (f: Uint8Array): bigint => (readable(f) ? new DataView(f.buffer, f.byteOffset, f.length).getBigUint64(10) : 0n);
