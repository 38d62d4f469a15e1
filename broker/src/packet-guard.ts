import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Refusal } from './refusal.js';

/**
 * Aedes (through mqtt-packet) buffers a whole packet before it looks at it
 * and has no size limit, so a client announcing a 200 MB PUBLISH would be
 * held in memory. This guard sits between the socket and Aedes and reads
 * only the fixed headers (MQTT 3.1.1 §2.2): it refuses a packet by its
 * declared length before its body arrives, and refuses headers no client
 * may send, so those are counted as `malformed` by us, not guessed at from
 * parser messages.
 */
export interface PacketScanner {
  /** The first violation in this chunk, or undefined; after one, stop feeding. */
  scan(chunk: Uint8Array): Refusal | undefined;
}

/** Packet types a client may send (CONNECT, PUBLISH, PUBACK…PUBCOMP, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, DISCONNECT). */
const FROM_CLIENT = new Set([1, 3, 4, 5, 6, 7, 8, 10, 12, 14]);
/** PUBREL, SUBSCRIBE and UNSUBSCRIBE carry flags 0010; every other type but PUBLISH 0000 (§2.2.2). */
const FLAGS_0010 = new Set([6, 8, 10]);

export function createPacketScanner(maxPacketBytes: number): PacketScanner {
  let state: 'type' | 'length' | 'body' = 'type';
  let type = 0;
  let first = true;
  let length = 0;
  let lengthBytes = 0;
  let bodyLeft = 0;

  const headerProblem = (byte: number): string | undefined => {
    const t = byte >> 4;
    const flags = byte & 0x0f;
    if (!FROM_CLIENT.has(t)) return `packet type ${t} is not one a client sends`;
    if (first && t !== 1) return `first packet is type ${t}, not CONNECT`;
    if (!first && t === 1) return 'second CONNECT on one connection';
    if (t === 3) return (flags & 0x06) === 0x06 ? 'PUBLISH with QoS 3' : undefined;
    const expected = FLAGS_0010.has(t) ? 0x02 : 0;
    return flags === expected ? undefined : `packet type ${t} with reserved flags ${flags.toString(2).padStart(4, '0')}`;
  };

  return {
    scan(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (state === 'body') {
          const n = Math.min(bodyLeft, chunk.length - i);
          bodyLeft -= n;
          i += n;
          if (bodyLeft === 0) state = 'type';
          continue;
        }
        const byte = chunk[i++]!;
        if (state === 'type') {
          const problem = headerProblem(byte);
          if (problem) return new Refusal('malformed', problem);
          type = byte >> 4;
          first = false;
          state = 'length';
          length = 0;
          lengthBytes = 0;
          continue;
        }
        // Remaining length: 7 bits per byte, least significant first, at most 4 bytes (§2.2.3).
        length += (byte & 0x7f) * 128 ** lengthBytes;
        lengthBytes += 1;
        if (byte & 0x80) {
          if (lengthBytes === 4) return new Refusal('malformed', 'remaining length longer than 4 bytes');
          continue;
        }
        const size = 1 + lengthBytes + length;
        if (size > maxPacketBytes) return new Refusal('oversize', `packet type ${type} of ${size} bytes, over the limit of ${maxPacketBytes}`);
        bodyLeft = length;
        state = length === 0 ? 'type' : 'body';
      }
      return undefined;
    },
  };
}

/**
 * The stream Aedes gets instead of the socket: reads pass the scanner,
 * writes go straight to the socket. On a violation `onRefused` is told and
 * the connection ends with the Refusal as its error. (Duplex.from() over a
 * Transform was tried: destroying it leaves the socket open.)
 */
export function guardConnection(socket: Socket, maxPacketBytes: number, onRefused: (r: Refusal) => void): Duplex {
  return new GuardedConnection(socket, createPacketScanner(maxPacketBytes), onRefused);
}

class GuardedConnection extends Duplex {
  constructor(
    private readonly socket: Socket,
    scanner: PacketScanner,
    onRefused: (r: Refusal) => void,
  ) {
    super({ allowHalfOpen: false });
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      const refusal = scanner.scan(chunk);
      if (refusal) {
        onRefused(refusal);
        this.destroy(refusal);
      } else if (!this.push(chunk)) {
        socket.pause(); // Aedes reads slower than the client sends: let TCP push back
      }
    });
    socket.on('end', () => {
      ended = true;
      this.push(null);
    });
    socket.on('error', (e) => this.destroy(e));
    // After a clean end the bytes before it are still to be read; only an abrupt close ends us now.
    socket.on('close', () => ended || this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.socket.write(chunk, done);
  }

  override _final(done: () => void): void {
    this.socket.end(done);
  }

  override _destroy(e: Error | null, done: (e: Error | null) => void): void {
    this.socket.destroy();
    done(e);
  }
}
