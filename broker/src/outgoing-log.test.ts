import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutgoingLog } from './outgoing-log.js';
import { LOG_HEADER, type LogOp } from './outgoing-log-records.js';

const put = (key: string, size = 100): LogOp => ({ type: 'put', key, value: Buffer.alloc(size, key) });
const del = (key: string): LogOp => ({ type: 'del', key });

describe('OutgoingLog: queued messages in an append-only file', () => {
  let dir: string;
  let path: string;
  let open: OutgoingLog[];
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];

  /** Opens the log at `path` (closing the one before, as a stop does) and returns it with its entries as key → value text. */
  async function reopen(compactAtBytes?: number) {
    await Promise.all(open.splice(0).map((l) => l.close()));
    const { log, entries } = await OutgoingLog.open(path, { compactAtBytes, onWarning: (message, fields) => warnings.push({ message, fields }) });
    open.push(log);
    return { log, entries: entries.map((e) => [e.key, Buffer.from(e.value).toString('latin1', 0, 1), e.value.length] as const) };
  }
  const keysOf = (entries: ReadonlyArray<readonly [string, string, number]>) => entries.map(([k]) => k);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-outgoing-log-'));
    path = join(dir, 'outgoing.log');
    open = [];
    warnings.length = 0;
  });
  afterEach(async () => {
    await Promise.all(open.map((l) => l.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('replays puts and deletes in order: the live entries, in put order, with their values', async () => {
    let { log, entries } = await reopen();
    assert.deepEqual(entries, []);
    await log.commit([put('c'), put('a', 5000), put('b')]);
    await log.commit([del('a'), put('d', 0)]);
    ({ log, entries } = await reopen());
    assert.deepEqual(entries, [['c', 'c', 100], ['b', 'b', 100], ['d', '', 0]]);
    assert.deepEqual(warnings, []);
  });

  it('rewrites the file at open with only the live entries, and keeps the order over more restarts', async () => {
    let { log } = await reopen();
    await log.commit([put('a'), put('b'), put('c')]);
    await log.commit([del('b'), del('a'), put('e')]);
    let entries;
    ({ log, entries } = await reopen());
    const liveOnly = (await stat(path)).size;
    assert.equal(liveOnly, log.sizeBytes);
    assert.equal(liveOnly, LOG_HEADER.length + 2 * (9 + 1 + 100 + 4));
    await log.commit([put('f'), del('c')]);
    ({ entries } = await reopen());
    assert.deepEqual(keysOf(entries), ['e', 'f']);
    assert.deepEqual(await readdir(dir), ['outgoing.log'], 'no temporary file left');
  });

  it('drops a record cut short by a crash, says so, and keeps every record before it', async () => {
    const { log } = await reopen();
    await log.commit([put('a'), put('b')]);
    await log.commit([put('c')]);
    const whole = log.sizeBytes;
    await log.close();
    await truncate(path, whole - 30); // the last write got only partly to the file
    let { log: again, entries } = await reopen();
    assert.deepEqual(keysOf(entries), ['a', 'b']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /cut short/);
    assert.equal(warnings[0]!.fields.bytes, 9 + 1 + 100 + 4 - 30);
    assert.equal((await stat(path)).size, LOG_HEADER.length + 2 * (9 + 1 + 100 + 4), 'the torn tail is gone');

    await again.commit([put('d')]); // appends after the last whole record, so nothing behind it is lost
    await again.close();
    await appendFile(path, Buffer.alloc(4096)); // a power loss: the file grew, its data never came
    ({ log: again, entries } = await reopen());
    assert.deepEqual(keysOf(entries), ['a', 'b', 'd']);
    assert.equal(warnings.length, 2);
  });

  it('compacts while running once past the threshold with little live: exactly the live entries, in order', async () => {
    let { log } = await reopen(20_000);
    const names = Array.from({ length: 40 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    for (const name of names) await log.commit([put(name, 1000)]);
    // Acknowledged out of order, as PUBACKs of a window come back; m05, m17, m30 and m39 stay.
    const kept = ['m05', 'm17', 'm30', 'm39'];
    await log.commit([...names].reverse().filter((name) => !kept.includes(name)).map(del));
    const before = log.sizeBytes;
    assert.ok(before > 40_000);
    await log.commit([put('late', 1000), del('m17')]); // compacts first, then appends this batch to the new file
    assert.ok(log.sizeBytes < 6 * 1200, `${log.sizeBytes} bytes after compaction`);
    await log.commit([del('m30')]); // a live record moved by the compaction is still found and deleted
    let entries;
    ({ log, entries } = await reopen(20_000));
    assert.deepEqual(entries, [['m05', 'm', 1000], ['m39', 'm', 1000], ['late', 'l', 1000]]);
    assert.deepEqual(warnings, []);
  });

  it('does not compact while most of the file is live', async () => {
    const { log } = await reopen(4000);
    for (let i = 0; i < 10; i++) await log.commit([put(`k${i}`, 1000)]);
    const size = log.sizeBytes;
    await log.commit([del('k0')]);
    assert.equal(log.sizeBytes, size + 5 + 2 + 4, 'appended, not compacted');
  });

  it('reads a log larger than its 1 MiB read chunk: records across chunk ends, and one larger than a chunk', async () => {
    let { log } = await reopen();
    const ops = Array.from({ length: 300 }, (_, i) => put(`k${i}`, 8191));
    ops.splice(150, 0, put('huge', 3 << 20));
    await log.commit(ops);
    let entries;
    ({ log, entries } = await reopen());
    assert.equal(entries.length, 301);
    assert.deepEqual(entries[150], ['huge', 'h', 3 << 20]);
    assert.deepEqual(entries[300], ['k299', 'k', 8191]);
    assert.deepEqual(warnings, []);
  });

  it('refuses a file that is not its log, rather than overwrite it', async () => {
    await writeFile(path, 'SQLite format 3\0 and more');
    await assert.rejects(OutgoingLog.open(path), /not an outgoing-message log/);
  });
});
