import { open, readdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { readAck } from './outbox-ack-file.js';
import { syncDir } from './outbox-file-io.js';
import { HEADER, SEG_RE, scan, segName } from './outbox-record-format.js';
import type { Entry } from './outbox-record-format.js';

/** The state of an outbox directory after a (re)start, ready to append to. */
export interface RecoveredSegment {
  /** The newest segment, open for reading and writing. */
  readonly fh: FileHandle;
  /** Logical offset of the segment's first byte. */
  readonly base: number;
  /** Logical offset just past its last intact record. */
  readonly end: number;
  /** The unacknowledged records, in order. */
  readonly index: Entry[];
  /** Bytes of a torn last record, cut off the segment. */
  readonly tornBytes: number;
  /** What the ack file says, if it says anything. */
  readonly persistedAck: number | undefined;
}

/**
 * Finds where a previous run left off: drops temporary files and segments
 * older than the newest (all acknowledged), truncates a torn tail, and
 * indexes the records after the persisted ack. Creates the first segment
 * of a new outbox.
 */
export async function recoverSegment(dir: string, maxRecordBytes: number, durable: boolean): Promise<RecoveredSegment> {
  const names = await readdir(dir);
  for (const n of names) if (n.endsWith('.tmp')) await unlink(join(dir, n)).catch(() => {});
  const bases = names.flatMap((n) => {
    const m = SEG_RE.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
  const persistedAck = await readAck(dir);
  const base = bases.at(-1) ?? persistedAck ?? 0;
  // Everything before the newest segment was acknowledged before it was created: older ones are garbage.
  for (const b of bases.slice(0, -1)) await unlink(join(dir, segName(b)));
  const fh = await open(join(dir, segName(base)), bases.length ? 'r+' : 'w+', 0o600);
  if (!bases.length && durable) await syncDir(dir);

  // Scan the segment: find record boundaries, drop a torn tail.
  const scanned = await scan(fh, base, maxRecordBytes);
  const end = base + scanned.validBytes;
  const tornBytes = scanned.fileBytes - scanned.validBytes;
  if (tornBytes > 0) {
    await fh.truncate(scanned.validBytes);
    if (durable) await fh.sync();
  }
  const acked = Math.min(Math.max(persistedAck ?? base, base), end);
  // An ack inside a record cannot come from us; round down to the record's start (keep that record).
  const index = scanned.entries.filter((e) => e.offset + HEADER + e.length > acked);
  return { fh, base, end, index, tornBytes, persistedAck };
}
