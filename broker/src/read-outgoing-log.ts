import type { FileHandle } from 'node:fs/promises';
import { LOG_HEADER, parseRecord } from './outgoing-log-records.js';

/** A live entry as read at start: its value (a copy) and where its put record lies. */
export interface ReadEntry {
  readonly value: Buffer;
  readonly offset: number;
  readonly length: number;
}

export interface LogContents {
  /** Live entries, in the order of their puts: the enqueue order. */
  readonly live: Map<string, ReadEntry>;
  /** Records read that a later record made dead (puts deleted, deletes, puts put again). */
  readonly deadRecords: number;
  /** Where the last whole record ends; anything after it is a torn tail. */
  readonly validEnd: number;
}

const CHUNK = 1 << 20;

/**
 * Replays the log in `handle` (`size` bytes, header checked by the
 * caller): puts and deletes in order. Reads in chunks, so a large file is
 * not held whole, only its live values.
 */
export async function readOutgoingLog(handle: FileHandle, size: number): Promise<LogContents> {
  const live = new Map<string, ReadEntry>();
  let deadRecords = 0;
  let buf = Buffer.alloc(0);
  let bufStart = LOG_HEADER.length; // file offset of buf[0]
  let pos = 0;
  for (;;) {
    const r = parseRecord(buf, pos);
    if (r === 'bad') break;
    if ('need' in r) {
      const fileEnd = bufStart + buf.length;
      if (fileEnd >= size) break;
      // Keep the unparsed rest, read at least the record's missing bytes, at most up to the end.
      const rest = buf.subarray(pos);
      const more = Math.min(Math.max(CHUNK, r.need - rest.length), size - fileEnd);
      const next = Buffer.allocUnsafe(rest.length + more);
      rest.copy(next);
      await readExactly(handle, next, rest.length, fileEnd);
      bufStart += pos;
      buf = next;
      pos = 0;
      continue;
    }
    const offset = bufStart + pos;
    if (live.delete(r.key)) deadRecords++;
    if (r.type === 'put') live.set(r.key, { value: Buffer.from(r.value), offset, length: r.length });
    else deadRecords++;
    pos += r.length;
  }
  return { live, deadRecords, validEnd: bufStart + pos };
}

/** Fills `buf` from `start` with the file's bytes at `position` (pread may return less than asked). */
export async function readExactly(handle: FileHandle, buf: Buffer, start: number, position: number): Promise<void> {
  let done = start;
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + (done - start));
    if (bytesRead === 0) throw new Error(`outgoing log ended early at ${position + (done - start)}`);
    done += bytesRead;
  }
}
