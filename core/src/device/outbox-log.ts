import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { writeAck } from './outbox-ack-file.js';
import { copyToNewSegment, retireSegment, shouldCompact } from './outbox-compaction.js';
import { readAll, writeAll } from './outbox-file-io.js';
import { openHere, removeLockFile } from './outbox-lock.js';
import { encodeRecords, HEADER, lowerBound } from './outbox-record-format.js';
import type { RecoveredSegment } from './outbox-recovery.js';
import type { Outbox, OutboxRecord } from './outbox.js';

export interface Limits {
  readonly maxBytes: number;
  readonly maxRecordBytes: number;
  readonly compactAtBytes: number;
  readonly durable: boolean;
}

interface Queued {
  readonly frame: Uint8Array;
  readonly resolve: (r: Result<number>) => void;
}

/**
 * The running outbox on a recovered, locked directory: batches appends
 * into one write and one sync, coalesces ack persistence, and compacts.
 * Every file operation goes through one serial chain, so none overlap.
 */
export async function startOutboxLog(dir: string, lim: Limits, recovered: RecoveredSegment): Promise<Outbox> {
  let { fh, base, end, index } = recovered;
  const { tornBytes } = recovered;
  let head = 0;

  let queue: Queued[] = [];
  let queuedBytes = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let flushScheduled = false;
  let ackDirty = false;
  let persistedAckValue = recovered.persistedAck;
  let ackWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let persistScheduled = false;
  let closed = false;
  let closing: Promise<void> | undefined;

  /** Runs fn after everything queued before it: file operations never overlap. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  const firstUnacked = () => index[head]?.offset ?? end;
  const unackedBytes = () => end - firstUnacked();

  async function flush(): Promise<void> {
    flushScheduled = false;
    const batch = queue;
    queue = [];
    if (!batch.length) return;
    const buf = encodeRecords(batch.map((q) => q.frame));
    const total = buf.length;
    try {
      await writeAll(fh, buf, end - base);
      if (lim.durable) await fh.datasync();
    } catch (e) {
      queuedBytes -= total;
      await fh.truncate(end - base).catch(() => {}); // take back a partial write
      const code = (e as NodeJS.ErrnoException).code;
      const full = code === 'ENOSPC' || code === 'EDQUOT';
      const failure = fail<number>(full ? 'OUTBOX_FULL' : 'STORE_FAILED', `outbox ${dir}: cannot write ${batch.length} frame(s): ${(e as Error).message}`);
      for (const q of batch) q.resolve(failure);
      return;
    }
    queuedBytes -= total;
    for (const q of batch) {
      index.push({ offset: end, length: q.frame.length });
      const offset = end;
      end += HEADER + q.frame.length;
      q.resolve(ok(offset));
    }
  }

  async function writeAckFile(value: number, syncDirectory: boolean): Promise<void> {
    await writeAck(dir, value, { durable: lim.durable, syncDirectory });
    persistedAckValue = value;
  }

  async function persistAck(): Promise<void> {
    persistScheduled = false;
    const waiters = ackWaiters;
    ackWaiters = [];
    try {
      if (ackDirty) {
        ackDirty = false;
        const value = firstUnacked();
        if (value !== persistedAckValue) await writeAckFile(value, false);
        await maybeCompact(false);
      }
      for (const w of waiters) w.resolve();
    } catch (e) {
      const err = new Error(`outbox ${dir}: cannot persist the ack: ${(e as Error).message}`);
      for (const w of waiters) w.reject(err);
    }
  }

  /** Moves what is pending to a new segment when the acknowledged prefix is worth reclaiming (always when `all` and everything is acknowledged). */
  async function maybeCompact(all: boolean): Promise<void> {
    const from = firstUnacked();
    if (!shouldCompact(from - base, end - from, lim.compactAtBytes, all)) return;
    // 1. Durably record that everything before `from` is acknowledged: the new segment's base.
    await writeAckFile(from, true);
    // 2. Copy what is pending into the new segment, synced before it takes the old one's place.
    const nf = await copyToNewSegment(dir, fh, { base, from, end }, lim.durable);
    // 3. The new segment is the log from here on; the old one holds only acknowledged records.
    const old = fh;
    const oldBase = base;
    fh = nf;
    base = from;
    index = index.slice(head);
    head = 0;
    await retireSegment(dir, old, oldBase);
  }

  const outbox: Outbox = {
    dir,
    append(frame) {
      if (closed) return Promise.resolve(fail('OUTBOX_CLOSED', `outbox ${dir} is closed`));
      if (frame.length === 0 || frame.length > lim.maxRecordBytes) {
        return Promise.resolve(fail('TOO_LARGE', `outbox ${dir}: a frame of ${frame.length} bytes is outside 1..${lim.maxRecordBytes}`));
      }
      const need = HEADER + frame.length;
      if (unackedBytes() + queuedBytes + need > lim.maxBytes) {
        return Promise.resolve(
          fail(
            'OUTBOX_FULL',
            `outbox ${dir} is full: ${outbox.size} frames (${unackedBytes() + queuedBytes} bytes) wait for the broker, the limit is ${lim.maxBytes} bytes; frame refused`,
          ),
        );
      }
      queuedBytes += need;
      return new Promise((resolve) => {
        queue.push({ frame: frame.slice(), resolve });
        if (!flushScheduled) {
          flushScheduled = true;
          void serial(flush);
        }
      });
    },
    pending(limit, from) {
      return serial(async () => {
        const start = Math.max(from ?? 0, firstUnacked());
        let i = lowerBound(index, head, start);
        const out: OutboxRecord[] = [];
        const stop = Math.min(index.length, i + Math.max(0, limit));
        if (i >= stop) return out;
        const first = index[i]!;
        const last = index[stop - 1]!;
        const span = Buffer.allocUnsafe(last.offset + HEADER + last.length - first.offset);
        await readAll(fh, span, first.offset - base);
        for (; i < stop; i++) {
          const e = index[i]!;
          const at = e.offset - first.offset + HEADER;
          out.push({ offset: e.offset, next: e.offset + HEADER + e.length, frame: new Uint8Array(span.subarray(at, at + e.length)) });
        }
        return out;
      });
    },
    ack(uptoOffset) {
      if (closed) return Promise.resolve();
      const before = head;
      while (head < index.length && index[head]!.offset <= uptoOffset) head++;
      if (head === before && !ackWaiters.length && !ackDirty) return Promise.resolve();
      if (head !== before) ackDirty = true;
      return new Promise((resolve, reject) => {
        ackWaiters.push({ resolve, reject });
        if (!persistScheduled) {
          persistScheduled = true;
          void serial(persistAck);
        }
      });
    },
    get ackedOffset() {
      return firstUnacked();
    },
    get size() {
      return index.length - head;
    },
    get pendingBytes() {
      return unackedBytes() + queuedBytes;
    },
    recovered: { records: index.length, tornBytes },
    close() {
      closing ??= (async () => {
        closed = true;
        await serial(async () => {
          await flush();
          if (firstUnacked() !== persistedAckValue) await writeAckFile(firstUnacked(), false);
          for (const w of ackWaiters.splice(0)) w.resolve();
          await fh.close();
        });
        await removeLockFile(dir);
        openHere.delete(dir);
      })();
      return closing;
    },
  };
  // Start clean when a previous run left only acknowledged records.
  if (index.length === 0 && end > base) await serial(() => maybeCompact(true));
  return outbox;
}
