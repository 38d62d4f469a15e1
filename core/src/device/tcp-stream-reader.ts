import type { Failure } from '../result/result.js';
import { LENGTH_PREFIX_SIZE } from '../wire/constants.js';

/** What one chunk of a TCP stream yielded (wire-format §6.1, §6.4). */
export interface StreamChunk {
  /** Complete records, in order (copies: safe to keep). */
  readonly records: Uint8Array[];
  /** Set once a prefix exceeds the limit: nothing after it can be framed (§6.2); the reader takes no more. */
  readonly broken?: Failure;
}

export interface StreamReader {
  push(chunk: Uint8Array): StreamChunk;
  /** Bytes held that do not make a complete record yet (a stream ending here ended inside a prefix or record). */
  readonly buffered: number;
  /** Stream offset of the next byte pushed. */
  readonly offset: number;
}

/**
 * Incremental `[u32 length ‖ record]*` splitting for a socket, where
 * records arrive in pieces. `maxRecord` is the §6.2 limit (1024 for frames).
 * Holds at most one prefix and one record's bytes between pushes.
 */
export function createStreamReader(maxRecord: number): StreamReader {
  let held: Uint8Array = new Uint8Array(0);
  let consumed = 0; // stream offset of held[0]
  let broken: Failure | undefined;
  return {
    get buffered() {
      return held.length;
    },
    get offset() {
      return consumed + held.length;
    },
    push(chunk) {
      if (broken) return { records: [], broken };
      const data = held.length === 0 ? chunk : concat(held, chunk);
      const records: Uint8Array[] = [];
      let at = 0;
      while (data.length - at >= LENGTH_PREFIX_SIZE) {
        const length = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
        if (length > maxRecord) {
          broken = { code: 'TOO_LARGE', message: `length prefix ${length} exceeds ${maxRecord}`, at: consumed + at };
          held = new Uint8Array(0);
          return { records, broken };
        }
        if (data.length - at - LENGTH_PREFIX_SIZE < length) break;
        records.push(data.slice(at + LENGTH_PREFIX_SIZE, at + LENGTH_PREFIX_SIZE + length));
        at += LENGTH_PREFIX_SIZE + length;
      }
      consumed += at;
      held = data.slice(at);
      return { records };
    },
  };
}

/** `u32 length ‖ record` (wire-format §6.1). */
export function prefixedRecord(record: Uint8Array): Uint8Array {
  const out = new Uint8Array(LENGTH_PREFIX_SIZE + record.length);
  new DataView(out.buffer).setUint32(0, record.length);
  out.set(record, LENGTH_PREFIX_SIZE);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
