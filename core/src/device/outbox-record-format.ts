import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * The on-disk format of an outbox segment: records `u32 length ‖ u32
 * crc32(frame) ‖ frame` (big-endian), in a file named after the logical
 * offset of its first byte, so an offset names one record for the life of
 * the outbox (see outbox.ts).
 */

/** Bytes before each frame: its length and its CRC. */
export const HEADER = 8;
export const SEG_RE = /^(\d{20})\.seg$/;
export const segName = (base: number) => `${String(base).padStart(20, '0')}.seg`;

/** Where one record is, in logical offsets; its frame stays on disk. */
export interface Entry {
  readonly offset: number;
  readonly length: number;
}

/** The records of `frames`, back to back, ready for one write. */
export function encodeRecords(frames: readonly Uint8Array[]): Buffer {
  const total = frames.reduce((n, f) => n + HEADER + f.length, 0);
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (const f of frames) {
    buf.writeUInt32BE(f.length, at);
    buf.writeUInt32BE(crc32(f), at + 4);
    buf.set(f, at + HEADER);
    at += HEADER + f.length;
  }
  return buf;
}

/**
 * Walks the records of a segment; stops at the first one that is short or
 * does not check. What follows `validBytes` is a torn tail: a crash hit a
 * write in progress.
 */
export async function scan(fh: FileHandle, base: number, maxRecordBytes: number): Promise<{ entries: Entry[]; validBytes: number; fileBytes: number }> {
  const fileBytes = (await fh.stat()).size;
  const entries: Entry[] = [];
  const chunk = 1024 * 1024;
  let buf = Buffer.alloc(0);
  let bufStart = 0; // file position of buf[0]
  let pos = 0;
  const ensure = async (n: number): Promise<boolean> => {
    if (pos + n > fileBytes) return false;
    while (bufStart + buf.length < pos + n) {
      const more = Buffer.allocUnsafe(Math.max(chunk, n));
      const { bytesRead } = await fh.read(more, 0, more.length, bufStart + buf.length);
      if (bytesRead === 0) return false;
      buf = Buffer.concat([buf.subarray(pos - bufStart), more.subarray(0, bytesRead)]);
      bufStart = pos;
    }
    return true;
  };
  while (pos < fileBytes) {
    if (!(await ensure(HEADER))) break;
    const length = buf.readUInt32BE(pos - bufStart);
    const sum = buf.readUInt32BE(pos - bufStart + 4);
    if (length === 0 || length > maxRecordBytes || !(await ensure(HEADER + length))) break;
    const at = pos - bufStart + HEADER;
    if (crc32(buf.subarray(at, at + length)) !== sum) break;
    entries.push({ offset: base + pos, length });
    pos += HEADER + length;
  }
  return { entries, validBytes: pos, fileBytes };
}

/** First index ≥ from whose offset is ≥ target. */
export function lowerBound(index: readonly Entry[], from: number, target: number): number {
  let lo = from;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid]!.offset < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
