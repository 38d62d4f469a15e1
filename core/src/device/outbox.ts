import { open, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { StartupError } from '../errors/startup-error.js';
import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';

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

const HEADER = 8;
const SEG_RE = /^(\d{20})\.seg$/;
const segName = (base: number) => `${String(base).padStart(20, '0')}.seg`;
/** Directories this process has open: a second open would corrupt the log. */
const openHere = new Set<string>();

interface Entry {
  readonly offset: number;
  readonly length: number;
}
interface Queued {
  readonly frame: Uint8Array;
  readonly resolve: (r: Result<number>) => void;
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
    return await openLocked(dir, { maxBytes, maxRecordBytes, compactAtBytes, durable });
  } catch (e) {
    openHere.delete(dir);
    await unlink(join(dir, 'lock')).catch(() => {});
    throw e;
  }
}

async function takeLock(dir: string): Promise<void> {
  const file = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StartupError('CONFIG_INVALID', `cannot lock outbox ${dir}: ${(e as Error).message}`, 'check the permissions of TYPEDCLUSTER_HOME');
      }
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new StartupError('CONFIG_INVALID', `outbox ${dir} is in use by process ${pid}`, 'stop that process, or give this one another TYPEDCLUSTER_HOME');
    }
    await unlink(file).catch(() => {}); // stale: its process is gone
  }
  throw new StartupError('CONFIG_INVALID', `cannot lock outbox ${dir}`, 'another process keeps taking it');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Limits {
  readonly maxBytes: number;
  readonly maxRecordBytes: number;
  readonly compactAtBytes: number;
  readonly durable: boolean;
}

async function openLocked(dir: string, lim: Limits): Promise<Outbox> {
  const names = await readdir(dir);
  for (const n of names) if (n.endsWith('.tmp')) await unlink(join(dir, n)).catch(() => {});
  const bases = names.flatMap((n) => {
    const m = SEG_RE.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
  const persistedAck = await readAck(dir);
  let base = bases.at(-1) ?? persistedAck ?? 0;
  // Everything before the newest segment was acknowledged before it was created: older ones are garbage.
  for (const b of bases.slice(0, -1)) await unlink(join(dir, segName(b)));
  let fh = await open(join(dir, segName(base)), bases.length ? 'r+' : 'w+', 0o600);
  if (!bases.length && lim.durable) await syncDir(dir);

  // Scan the segment: find record boundaries, drop a torn tail.
  const scanned = await scan(fh, base, lim.maxRecordBytes);
  let end = base + scanned.validBytes;
  const tornBytes = scanned.fileBytes - scanned.validBytes;
  if (tornBytes > 0) {
    await fh.truncate(scanned.validBytes);
    if (lim.durable) await fh.sync();
  }
  let acked = Math.min(Math.max(persistedAck ?? base, base), end);
  // An ack inside a record cannot come from us; round down to the record's start.
  let index: Entry[] = scanned.entries.filter((e) => e.offset + HEADER + e.length > acked);
  if (index[0] && index[0].offset < acked) acked = index[0].offset;
  let head = 0;

  let queue: Queued[] = [];
  let queuedBytes = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let flushScheduled = false;
  let ackDirty = false;
  let persistedAckValue = persistedAck;
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
    const total = batch.reduce((n, q) => n + HEADER + q.frame.length, 0);
    const buf = Buffer.allocUnsafe(total);
    let at = 0;
    for (const q of batch) {
      buf.writeUInt32BE(q.frame.length, at);
      buf.writeUInt32BE(crc32(q.frame), at + 4);
      buf.set(q.frame, at + HEADER);
      at += HEADER + q.frame.length;
    }
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
    const tmp = join(dir, 'ack.tmp');
    const f = await open(tmp, 'w', 0o600);
    try {
      await f.writeFile(`${value}\n`);
      if (lim.durable) await f.sync();
    } finally {
      await f.close();
    }
    await rename(tmp, join(dir, 'ack'));
    if (syncDirectory && lim.durable) await syncDir(dir);
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
    const prefix = from - base;
    const pendingNow = end - from;
    if (prefix <= 0) return;
    if (!(all && pendingNow === 0) && (prefix < lim.compactAtBytes || prefix < pendingNow)) return;
    // 1. Durably record that everything before `from` is acknowledged: the new segment's base.
    await writeAckFile(from, true);
    // 2. Copy what is pending into the new segment, synced before it takes the old one's place.
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
      if (lim.durable) await nf.sync();
      await rename(tmp, join(dir, segName(from)));
    } catch (e) {
      await nf.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw e;
    }
    if (lim.durable) await syncDir(dir);
    // 3. The new segment is the log from here on; the old one holds only acknowledged records
    //    (were the unlink to fail, the next open deletes it: it is older than the newest segment).
    const old = fh;
    const oldBase = base;
    fh = nf;
    base = from;
    index = index.slice(head);
    head = 0;
    await old.close().catch(() => {});
    await unlink(join(dir, segName(oldBase))).catch(() => {});
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
        await unlink(join(dir, 'lock')).catch(() => {});
        openHere.delete(dir);
      })();
      return closing;
    },
  };
  // Start clean when a previous run left only acknowledged records.
  if (index.length === 0 && end > base) await serial(() => maybeCompact(true));
  return outbox;
}

async function readAck(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'ack'), 'utf8').catch(() => undefined);
  const n = text === undefined ? NaN : Number(text.trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

async function readAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error('outbox segment ended early');
    done += bytesRead;
  }
}

/** First index ≥ from whose offset is ≥ target. */
function lowerBound(index: readonly Entry[], from: number, target: number): number {
  let lo = from;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid]!.offset < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Walks the records of a segment; stops at the first one that is short or does not check. */
async function scan(fh: FileHandle, base: number, maxRecordBytes: number): Promise<{ entries: Entry[]; validBytes: number; fileBytes: number }> {
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
