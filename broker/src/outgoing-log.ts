import type { FileHandle } from 'node:fs/promises';
import { openIfExists, replaceFile, writeAll } from './log-files.js';
import { frameBatch, LOG_HEADER, type LogOp } from './outgoing-log-records.js';
import { readExactly, readOutgoingLog } from './read-outgoing-log.js';

export const DEFAULT_COMPACT_AT_BYTES = 64 * 1024 * 1024;

export interface OutgoingLogOptions {
  /** Compact while running once the file is this big and at most a quarter of it is live; default 64 MiB. */
  readonly compactAtBytes?: number;
  /** Hears what opening recovered from (a torn tail), and a compaction that failed, for the caller to log. */
  readonly onWarning?: (message: string, fields: Record<string, unknown>) => void;
}

/** Where a live entry's put record lies in the current file. */
interface Extent {
  offset: number;
  length: number;
}

/** Copies of live records are read and written in runs of at most this many bytes. */
const MAX_RUN = 1 << 20;

/**
 * The broker's queued messages on disk: an append-only log of put(key,
 * value) and del(key) records (outgoing-log-records.ts), replayed at open.
 * LevelDB did the same job at several times the CPU: per-op JS, key
 * prefixing and copies into its write batch, then its own log and
 * compactions in the thread pool, for entries that mostly live 100 ms.
 *
 * commit() appends one batch with one writev, and must be called one batch
 * at a time (OrderedBatchWriter), which is what keeps records in order.
 * There is no fsync per batch, as with LevelDB's sync: false before: a
 * process crash loses nothing written, a power loss may lose the tail.
 * close() and compactions fsync.
 *
 * Compaction rewrites the live records to a new file, fsyncs it and
 * renames it over the log, so either file is whole after a crash. At open
 * it always runs when the file holds anything dead; while running, inside
 * commit() (so nothing is appended meanwhile), once the file passes
 * compactAtBytes with at most a quarter of it live: the file stays under
 * about max(compactAtBytes, 4 × live bytes). For the copy the log keeps
 * each live record's offset and length, not its value: the value is
 * already in the broker's in-memory queue, as a decoded packet, and a
 * second copy would double the memory of a long queue; reading the live
 * records back, when a small fraction, costs little and only at compaction.
 */
export class OutgoingLog {
  readonly #path: string;
  readonly #compactAt: number;
  readonly #onWarning: NonNullable<OutgoingLogOptions['onWarning']>;
  #handle: FileHandle | undefined;
  #size: number;
  /** Live entries, in put order (which is file order). */
  #live: Map<string, Extent>;
  #liveBytes = 0;
  /** After a failed compaction, wait for the file to grow by compactAt again before retrying. */
  #nextCompactAt: number;

  private constructor(path: string, handle: FileHandle, size: number, live: Map<string, Extent>, opts: OutgoingLogOptions) {
    this.#path = path;
    this.#handle = handle;
    this.#size = size;
    this.#live = live;
    for (const e of live.values()) this.#liveBytes += e.length;
    this.#compactAt = opts.compactAtBytes ?? DEFAULT_COMPACT_AT_BYTES;
    this.#nextCompactAt = this.#compactAt;
    this.#onWarning = opts.onWarning ?? (() => undefined);
  }

  /**
   * Opens the log at `path` (creating it) and replays it: the live entries
   * in enqueue order. A record cut short at the end (a crash mid-write) is
   * reported to onWarning and dropped, with everything dead, by rewriting
   * the file with only the live entries.
   */
  static async open(path: string, opts: OutgoingLogOptions = {}): Promise<{ log: OutgoingLog; entries: Array<{ key: string; value: Uint8Array }> }> {
    const handle = await openIfExists(path);
    const size = handle ? (await handle.stat()).size : 0;
    let contents;
    try {
      if (handle && size >= LOG_HEADER.length) await checkHeader(handle, path);
      contents = handle && size > LOG_HEADER.length ? await readOutgoingLog(handle, size) : undefined;
    } catch (e) {
      await handle?.close();
      throw e;
    }
    const entries = [...(contents?.live ?? [])].map(([key, { value }]) => ({ key, value }));
    if (contents && contents.validEnd < size) {
      opts.onWarning?.('MQTT outgoing log: dropped a record cut short at its end (the broker stopped mid-write)', { path, offset: contents.validEnd, bytes: size - contents.validEnd });
    }
    const clean = handle !== undefined && size >= LOG_HEADER.length && (contents === undefined || (contents.deadRecords === 0 && contents.validEnd === size));
    if (handle && clean) {
      const live = new Map([...(contents?.live ?? [])].map(([key, { offset, length }]) => [key, { offset, length }]));
      return { log: new OutgoingLog(path, handle, size, live, opts), entries };
    }
    // Missing, empty, torn or holding dead records: start from a file of only the live entries.
    await handle?.close();
    const framed = frameBatch(entries.map(({ key, value }) => ({ type: 'put', key, value })));
    const { handle: fresh, size: freshSize } = await replaceFile(path, async (out) => {
      await writeAll(out, framed.chunks, framed.bytes, LOG_HEADER.length);
      return LOG_HEADER.length + framed.bytes;
    });
    const live = new Map<string, Extent>();
    let offset = LOG_HEADER.length;
    entries.forEach(({ key }, i) => {
      const length = framed.recordLengths[i]!;
      live.set(key, { offset, length });
      offset += length;
    });
    return { log: new OutgoingLog(path, fresh, freshSize, live, opts), entries };
  }

  has(key: string): boolean {
    return this.#live.has(key);
  }

  /** Current file size, header included. */
  get sizeBytes(): number {
    return this.#size;
  }

  /**
   * Appends `ops` in order with one write. One call at a time. On a failed
   * write the file is cut back to where it was, so a half-written batch
   * neither lingers nor hides the batches after it.
   */
  async commit(ops: readonly LogOp[]): Promise<void> {
    this.#open();
    if (this.#size >= this.#nextCompactAt && this.#liveBytes * 4 <= this.#size) await this.#compactLive();
    const handle = this.#open();
    if (ops.length === 0) return;
    const framed = frameBatch(ops);
    try {
      await writeAll(handle, framed.chunks, framed.bytes, this.#size);
    } catch (e) {
      await handle.truncate(this.#size).catch(() => undefined);
      throw e;
    }
    let offset = this.#size;
    ops.forEach((op, i) => {
      const length = framed.recordLengths[i]!;
      const old = this.#live.get(op.key);
      if (old) {
        this.#live.delete(op.key);
        this.#liveBytes -= old.length;
      }
      if (op.type === 'put') {
        this.#live.set(op.key, { offset, length });
        this.#liveBytes += length;
      }
      offset += length;
    });
    this.#size = offset;
  }

  /** Durable from here on, for a caller that removes the records elsewhere (migration). */
  async sync(): Promise<void> {
    await this.#open().sync();
  }

  /** fsyncs and closes; safe to call twice. The caller lets its commits finish first. */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (!handle) return;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /** Copies the live records, read back by position, to a new file that replaces this one. */
  async #compactLive(): Promise<void> {
    const from = this.#open();
    const live = new Map<string, Extent>();
    try {
      const { handle, size } = await replaceFile(this.#path, async (out) => {
        let pos = LOG_HEADER.length;
        for (const run of runs(this.#live)) {
          const buf = Buffer.allocUnsafe(run.length);
          await readExactly(from, buf, 0, run.offset);
          await writeAll(out, [buf], run.length, pos);
          for (const [key, e] of run.entries) live.set(key, { offset: pos + e.offset - run.offset, length: e.length });
          pos += run.length;
        }
        return pos;
      });
      this.#handle = handle;
      this.#size = size;
      this.#live = live;
      this.#nextCompactAt = this.#compactAt;
    } catch (e) {
      // Go on appending to the old file; try again once it has grown as much again.
      this.#nextCompactAt = this.#size + this.#compactAt;
      this.#onWarning('MQTT outgoing log: compaction failed, the log keeps growing until the next try', { path: this.#path, error: e });
      return;
    }
    await from.close().catch(() => undefined);
  }

  #open(): FileHandle {
    if (!this.#handle) throw new Error(`outgoing log ${this.#path} is closed`);
    return this.#handle;
  }
}

/** Live records in file order, adjacent ones joined into runs of up to MAX_RUN bytes. */
function* runs(live: Map<string, Extent>): Generator<{ offset: number; length: number; entries: Array<[string, Extent]> }> {
  let run: { offset: number; length: number; entries: Array<[string, Extent]> } | undefined;
  for (const entry of live) {
    const [, e] = entry;
    if (run && run.offset + run.length === e.offset && run.length + e.length <= MAX_RUN) {
      run.length += e.length;
      run.entries.push(entry);
      continue;
    }
    if (run) yield run;
    run = { offset: e.offset, length: e.length, entries: [entry] };
  }
  if (run) yield run;
}

async function checkHeader(handle: FileHandle, path: string): Promise<void> {
  const header = Buffer.alloc(LOG_HEADER.length);
  await readExactly(handle, header, 0, 0);
  if (!header.equals(LOG_HEADER)) throw new Error(`${path} is not an outgoing-message log of this broker version (header ${header.toString('hex')})`);
}
