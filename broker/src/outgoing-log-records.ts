/**
 * The outgoing log's bytes: a file header, then records appended one after
 * the other, each a put(key, value) or a del(key).
 *
 *   file   = "TCOUTQ01" record*
 *   put    = 'P' | key length u32 BE | value length u32 BE | key (UTF-8) | value | trailer u32 BE
 *   del    = 'D' | key length u32 BE | key (UTF-8) | trailer u32 BE
 *   trailer = (record length without the trailer) XOR TRAILER_MAGIC
 *
 * No checksum: a CRC32 in JS over an 8 KB message costs about 10 µs, most
 * of what the log saves over LevelDB. What the log must survive is a
 * process crash, which leaves a prefix of the last write (the kernel keeps
 * what was written, in order): the lengths then point past the end of the
 * file, and the record is cut away. The type byte and the trailer, which
 * must agree with the lengths at both ends of a record, catch the rest at
 * no per-byte cost: a tail of zeros (a power loss that extended the file
 * but lost its data) or a length read from garbage. They do not catch
 * bytes flipped inside a value; nor did LevelDB with its checksums off.
 */
export const LOG_HEADER = Buffer.from('TCOUTQ01', 'latin1');

export type LogOp = { readonly type: 'put'; readonly key: string; readonly value: Uint8Array } | { readonly type: 'del'; readonly key: string };

const PUT = 0x50; // 'P'
const DEL = 0x44; // 'D'
const PUT_HEAD = 9;
const DEL_HEAD = 5;
const TRAILER = 4;
const TRAILER_MAGIC = 0x9e3779b9;

/** Bytes to write for `ops`, in order, and each op's record length (to index where the puts lie). */
export interface FramedBatch {
  /** For one `writev`: keys, lengths and trailers packed in one buffer, values as they are (no copy). */
  readonly chunks: Uint8Array[];
  readonly recordLengths: number[];
  readonly bytes: number;
}

export function frameBatch(ops: readonly LogOp[]): FramedBatch {
  const keyBytes = ops.map((op) => Buffer.byteLength(op.key));
  let small = 0;
  ops.forEach((op, i) => (small += (op.type === 'put' ? PUT_HEAD : DEL_HEAD) + keyBytes[i]! + TRAILER));
  const scratch = Buffer.allocUnsafe(small);
  const chunks: Uint8Array[] = [];
  const recordLengths: number[] = [];
  let pos = 0;
  let chunkStart = 0;
  let bytes = 0;
  ops.forEach((op, i) => {
    const keyLength = keyBytes[i]!;
    const put = op.type === 'put';
    scratch[pos] = put ? PUT : DEL;
    scratch.writeUInt32BE(keyLength, pos + 1);
    if (put) scratch.writeUInt32BE(op.value.length, pos + 5);
    pos += put ? PUT_HEAD : DEL_HEAD;
    pos += scratch.write(op.key, pos, keyLength, 'utf8');
    const body = (put ? PUT_HEAD + op.value.length : DEL_HEAD) + keyLength;
    if (put) {
      // The header ends a chunk, the value is one of its own, the trailer starts the next.
      chunks.push(scratch.subarray(chunkStart, pos), op.value);
      chunkStart = pos;
    }
    pos = scratch.writeUInt32BE((body ^ TRAILER_MAGIC) >>> 0, pos);
    recordLengths.push(body + TRAILER);
    bytes += body + TRAILER;
  });
  if (pos > chunkStart) chunks.push(scratch.subarray(chunkStart, pos));
  return { chunks, recordLengths, bytes };
}

export interface ParsedRecord {
  readonly type: 'put' | 'del';
  readonly key: string;
  /** A view into the buffer parsed (empty for a del): copy it to keep it. */
  readonly value: Buffer;
  readonly length: number;
}

/**
 * The record at `pos` in `buf`; `{ need }` when `buf` ends before it does
 * (need: bytes from `pos` to read before trying again), 'bad' when its
 * framing does not hold.
 */
export function parseRecord(buf: Buffer, pos: number): ParsedRecord | { readonly need: number } | 'bad' {
  const left = buf.length - pos;
  const type = buf[pos];
  if (type === undefined) return { need: DEL_HEAD };
  if (type !== PUT && type !== DEL) return 'bad';
  const head = type === PUT ? PUT_HEAD : DEL_HEAD;
  if (left < head) return { need: head };
  const keyLength = buf.readUInt32BE(pos + 1);
  const valueLength = type === PUT ? buf.readUInt32BE(pos + 5) : 0;
  const body = head + keyLength + valueLength;
  if (left < body + TRAILER) return { need: body + TRAILER };
  if (buf.readUInt32BE(pos + body) !== (body ^ TRAILER_MAGIC) >>> 0) return 'bad';
  const keyEnd = pos + head + keyLength;
  return {
    type: type === PUT ? 'put' : 'del',
    key: buf.toString('utf8', pos + head, keyEnd),
    value: buf.subarray(keyEnd, keyEnd + valueLength),
    length: body + TRAILER,
  };
}
