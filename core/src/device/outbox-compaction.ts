import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeAll } from './outbox-file-io.js';
import { segName } from './outbox-record-format.js';

/**
 * Compaction reclaims the acknowledged prefix of a segment by copying what
 * is still pending to a new segment based at the first unacknowledged
 * offset. The caller must first durably persist an ack up to that offset:
 * the existence of a newer segment is what says the old one is garbage.
 */

/**
 * Whether an acknowledged prefix of `prefix` bytes is worth reclaiming with
 * `pending` bytes to copy: when it reaches `compactAtBytes` and is at least
 * as large as the copy, or always when `all` and nothing is pending.
 */
export function shouldCompact(prefix: number, pending: number, compactAtBytes: number, all: boolean): boolean {
  if (prefix <= 0) return false;
  return (all && pending === 0) || !(prefix < compactAtBytes || prefix < pending);
}

/**
 * Copies the records in [from, end) of the segment `fh` (based at `base`)
 * to a new segment based at `from`, synced before it takes its name, and
 * returns it open. A failure leaves no new segment behind.
 */
export async function copyToNewSegment(dir: string, fh: FileHandle, span: { readonly base: number; readonly from: number; readonly end: number }, durable: boolean): Promise<FileHandle> {
  const { base, from, end } = span;
  const pendingNow = end - from;
  const tmp = join(dir, `${segName(from)}.tmp`);
  const nf = await open(tmp, 'w+', 0o600);
  try {
    const chunk = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(pendingNow, 1)));
    for (let pos = from - base; pos < end - base; ) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, end - base - pos), pos);
      if (bytesRead === 0) throw new Error('segment shorter than its index');
      await writeAll(nf, chunk.subarray(0, bytesRead), pos - (from - base));
      pos += bytesRead;
    }
    if (durable) await nf.sync();
    await rename(tmp, join(dir, segName(from)));
  } catch (e) {
    await nf.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  if (durable) await syncDir(dir);
  return nf;
}

/**
 * Closes and deletes a segment that holds only acknowledged records (were
 * the unlink to fail, the next open deletes it: it is older than the newest segment).
 */
export async function retireSegment(dir: string, old: FileHandle, oldBase: number): Promise<void> {
  await old.close().catch(() => {});
  await unlink(join(dir, segName(oldBase))).catch(() => {});
}
