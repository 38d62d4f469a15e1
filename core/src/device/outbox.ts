import { mkdir } from 'node:fs/promises';
import { StartupError } from '../errors/startup-error.js';
import type { Result } from '../result/result.js';
import { openHere, removeLockFile, takeLock } from './outbox-lock.js';
import { startOutboxLog } from './outbox-log.js';
import { recoverSegment } from './outbox-recovery.js';

// The pieces: outbox-record-format.ts (records, CRC, torn-tail scan), outbox-ack-file.ts
// (the persisted ack), outbox-recovery.ts (reopening a directory), outbox-compaction.ts,
// outbox-lock.ts (one writer per directory) and outbox-log.ts (the running outbox).

/**
 * A device's store-and-forward buffer: an append-only log on disk, so a
 * frame generated while the broker or the network is down is kept until
 * the broker has taken it (PUBACK), across restarts of the device process.
 *
 * Layout of the directory (one per device):
 *
 * - `<base>.seg`: the segment, records `u32 length ‖ u32 crc32(frame) ‖ frame`
 *   (big-endian). `<base>` (20 decimal digits) is the logical offset of its
 *   first byte: offsets keep growing across compactions, so an offset names
 *   one record for the life of the outbox.
 * - `ack`: the logical offset of the first unacknowledged record, in
 *   decimal, replaced atomically (write `ack.tmp`, fsync, rename).
 * - `lock`: the pid of the process that has the outbox open.
 *
 * Durability:
 * - `append()` resolves only after the record is written and `fdatasync`ed
 *   (appends that arrive together share one write and one sync). A frame
 *   whose append resolved `ok` survives a process crash or power loss.
 * - A crash in the middle of a write leaves a torn last record; `openOutbox`
 *   finds it (short, or a length or CRC that does not check) and truncates
 *   the segment there. Only frames whose append never resolved are lost.
 * - Acks are persisted lazily (coalesced) and atomically. A lost ack only
 *   means frames are published again after a restart; the platform stores
 *   each (device, seq) once and answers REPLAY (wire-format §7.2).
 * - Everything before the current segment's base is acknowledged: a new
 *   segment is only created after an ack at least up to its base was synced.
 *
 * Bounds: at most `maxBytes` of unacknowledged records. Beyond that
 * `append()` refuses the frame with `OUTBOX_FULL` (and ENOSPC is reported the
 * same way); the outbox never drops a frame it accepted to make room.
 * Compaction: when the acknowledged prefix of the segment reaches
 * `compactAtBytes` (and is at least as large as what is still pending),
 * the pending records are copied to a new segment and the old one is
 * deleted; when everything is acknowledged, that copy is empty. Disk use
 * stays below about `maxBytes + max(compactAtBytes, maxBytes)`.
 */
export interface Outbox {
  readonly dir: string;
  /** Appends one frame; resolves with its offset once it is on disk (fsynced). */
  append(frame: Uint8Array): Promise<Result<number>>;
  /**
   * Up to `limit` unacknowledged records in order, starting at the first
   * record at or after `from` (default: the first unacknowledged one).
   */
  pending(limit: number, from?: number): Promise<OutboxRecord[]>;
  /**
   * Acknowledges every record whose offset is ≤ `uptoOffset` (a contiguous
   * prefix). Takes effect at once in memory; the returned promise resolves
   * when the ack is persisted.
   */
  ack(uptoOffset: number): Promise<void>;
  /** Offset of the first unacknowledged record (= the end when none is). */
  readonly ackedOffset: number;
  /** Records on disk and not yet acknowledged. */
  readonly size: number;
  /** Bytes of unacknowledged records, on disk or being written. */
  readonly pendingBytes: number;
  /** What `openOutbox` found: torn bytes it dropped, records it kept. */
  readonly recovered: { readonly records: number; readonly tornBytes: number };
  /** Waits for writes in progress, persists the ack, releases the directory. Idempotent. */
  close(): Promise<void>;
}

export interface OutboxRecord {
  readonly offset: number;
  /** Offset of the record after this one. */
  readonly next: number;
  readonly frame: Uint8Array;
}

export interface OutboxOptions {
  /** Limit of unacknowledged bytes (records with their 8-byte headers). Default 16 MiB. */
  readonly maxBytes?: number;
  /** Largest frame accepted. Default 64 KiB (the broker's payload limit, docs/topics.md). */
  readonly maxRecordBytes?: number;
  /** Acknowledged prefix that triggers compaction. Default 1 MiB. */
  readonly compactAtBytes?: number;
  /** fsync appends, acks and segment changes. Default true; false only for throwaway data. */
  readonly fsync?: boolean;
}

/**
 * Opens (or creates) the outbox in `dir`. Throws StartupError when the
 * directory cannot be used or another live process has it open.
 */
export async function openOutbox(dir: string, opts: OutboxOptions = {}): Promise<Outbox> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  const maxRecordBytes = opts.maxRecordBytes ?? 64 * 1024;
  const compactAtBytes = opts.compactAtBytes ?? 1024 * 1024;
  const durable = opts.fsync ?? true;
  if (openHere.has(dir)) throw new StartupError('CONFIG_INVALID', `outbox ${dir} is already open in this process`, 'close it before opening it again');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StartupError('CONFIG_INVALID', `cannot create outbox ${dir}: ${(e as Error).message}`, 'check the permissions of TYPEDCLUSTER_HOME');
  }
  await takeLock(dir);
  openHere.add(dir);
  try {
    const recovered = await recoverSegment(dir, maxRecordBytes, durable);
    return await startOutboxLog(dir, { maxBytes, maxRecordBytes, compactAtBytes, durable }, recovered);
  } catch (e) {
    openHere.delete(dir);
    await removeLockFile(dir);
    throw e;
  }
}
