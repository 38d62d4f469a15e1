import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutbox } from './outbox.js';
import type { Outbox } from './outbox.js';

const frame = (i: number, size = 16) => {
  const f = new Uint8Array(size);
  new DataView(f.buffer).setUint32(0, i);
  f.fill(i & 0xff, 4);
  return f;
};
const idOf = (f: Uint8Array) => new DataView(f.buffer, f.byteOffset).getUint32(0);

async function appendAll(o: Outbox, ids: number[], size = 16): Promise<number[]> {
  const rs = await Promise.all(ids.map((i) => o.append(frame(i, size))));
  return rs.map((r) => {
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  });
}
const ids = async (o: Outbox, limit = 1000, from?: number) => (await o.pending(limit, from)).map((r) => idOf(r.frame));
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

describe('device outbox (store-and-forward)', () => {
  let root: string;
  let n = 0;
  const freshDir = () => join(root, `box-${n++}`);
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tc-outbox-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('appends, reads pending in order from any offset, and acks a contiguous prefix', async () => {
    const o = await openOutbox(freshDir());
    const offsets = await appendAll(o, range(0, 10));
    assert.deepEqual(offsets, range(0, 10).map((i) => i * 24), 'offsets are byte positions: 8-byte header + 16-byte frame');
    assert.equal(o.size, 10);
    assert.deepEqual(await ids(o), range(0, 10));
    assert.deepEqual(await ids(o, 3), [0, 1, 2]);
    assert.deepEqual(await ids(o, 3, offsets[4]), [4, 5, 6], 'from an offset: the link reads past what it has in flight');
    const page = await o.pending(2, offsets[8]);
    assert.deepEqual(page.map((r) => [r.offset, r.next]), [[192, 216], [216, 240]]);
    await o.ack(offsets[3]!);
    assert.equal(o.size, 6);
    assert.equal(o.ackedOffset, offsets[4]);
    assert.deepEqual(await ids(o), range(4, 10));
    assert.deepEqual(await ids(o, 2, 0), [4, 5], 'never hands out acknowledged records');
    await o.ack(offsets[1]!); // an older ack changes nothing
    assert.equal(o.size, 6);
    await o.close();
  });

  it('after a restart keeps every unacknowledged frame, in order, and appends after them', async () => {
    const dir = freshDir();
    const a = await openOutbox(dir);
    const offsets = await appendAll(a, range(0, 20));
    await a.ack(offsets[6]!);
    await a.close();
    const b = await openOutbox(dir);
    assert.deepEqual(b.recovered, { records: 13, tornBytes: 0 });
    assert.deepEqual(await ids(b), range(7, 20));
    const [next] = await appendAll(b, [20]);
    assert.equal(next, offsets[19]! + 24, 'offsets keep growing');
    assert.deepEqual(await ids(b), range(7, 21));
    await b.close();
  });

  it('drops a torn last record (a crash in the middle of a write) and keeps the rest', async () => {
    const dir = freshDir();
    const a = await openOutbox(dir);
    await appendAll(a, range(0, 5));
    await a.close();
    const [seg] = (await readdir(dir)).filter((f) => f.endsWith('.seg'));
    const file = join(dir, seg!);
    // a record whose header made it to disk but only part of its frame
    const torn = Buffer.alloc(8 + 7);
    torn.writeUInt32BE(16, 0);
    torn.writeUInt32BE(0xdeadbeef, 4);
    await appendFile(file, torn);
    const b = await openOutbox(dir);
    assert.deepEqual(b.recovered, { records: 5, tornBytes: 15 });
    assert.equal((await stat(file)).size, 5 * 24, 'the segment is truncated at the last whole record');
    assert.deepEqual(await ids(b), range(0, 5));
    await appendAll(b, [5]);
    await b.close();
    // a complete-looking record whose bytes never reached the disk (zeros): its CRC does not check
    const zeros = Buffer.alloc(8 + 16);
    zeros.writeUInt32BE(16, 0);
    zeros.writeUInt32BE(1, 4);
    await appendFile(file, zeros);
    const c = await openOutbox(dir);
    assert.deepEqual(c.recovered, { records: 6, tornBytes: 24 });
    assert.deepEqual(await ids(c), range(0, 6));
    await c.close();
  });

  it('compacts: a new empty segment once everything is acknowledged, pending records copied otherwise', async () => {
    const dir = freshDir();
    const segs = async () => (await readdir(dir)).filter((f) => f.endsWith('.seg'));
    const o = await openOutbox(dir, { compactAtBytes: 240 });
    const offsets = await appendAll(o, range(0, 10)); // 240 bytes
    await o.ack(offsets[9]!);
    assert.deepEqual(await segs(), ['00000000000000000240.seg']);
    assert.equal((await stat(join(dir, '00000000000000000240.seg'))).size, 0);
    assert.equal((await readFile(join(dir, 'ack'), 'utf8')).trim(), '240');
    // 20 more, ack 15 of them: 360 bytes acknowledged, 120 pending → copied to a new segment
    const more = await appendAll(o, range(10, 30));
    await o.ack(more[14]!);
    assert.deepEqual(await segs(), ['00000000000000000600.seg']);
    assert.equal((await stat(join(dir, '00000000000000000600.seg'))).size, 5 * 24);
    assert.deepEqual(await ids(o), range(25, 30));
    await appendAll(o, [30]);
    await o.close();
    const again = await openOutbox(dir, { compactAtBytes: 240 });
    assert.deepEqual(await ids(again), range(25, 31));
    await again.close();
  });

  it('on open, a log left fully acknowledged starts a fresh segment', async () => {
    const dir = freshDir();
    const a = await openOutbox(dir);
    const offsets = await appendAll(a, range(0, 3));
    await a.ack(offsets[2]!);
    await a.close();
    assert.equal((await stat(join(dir, '00000000000000000000.seg'))).size, 72, 'below compactAtBytes: kept while running');
    const b = await openOutbox(dir);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.seg')), ['00000000000000000072.seg']);
    assert.equal(b.size, 0);
    await b.close();
  });

  it('is bounded: refuses frames beyond maxBytes with OUTBOX_FULL and keeps every frame it accepted', async () => {
    const o = await openOutbox(freshDir(), { maxBytes: 24 * 5 });
    await appendAll(o, range(0, 5));
    const refused = await o.append(frame(5));
    assert.equal(refused.ok ? 'accepted' : refused.error.code, 'OUTBOX_FULL');
    assert.match(refused.ok ? '' : refused.error.message, /is full: 5 frames \(120 bytes\).*limit is 120 bytes; frame refused/);
    assert.deepEqual(await ids(o), range(0, 5));
    await o.ack((await o.pending(1))[0]!.offset);
    assert.ok((await o.append(frame(6))).ok, 'room again after an ack');
    const big = await o.append(new Uint8Array(70_000));
    assert.equal(big.ok ? 'accepted' : big.error.code, 'TOO_LARGE');
    await o.close();
  });

  it('a second open of the same directory is refused while the first holds it', async () => {
    const dir = freshDir();
    const a = await openOutbox(dir);
    await assert.rejects(openOutbox(dir), /already open in this process/);
    await a.close();
    await writeFile(join(dir, 'lock'), '999999999\n'); // a stale lock from a process that is gone
    const b = await openOutbox(dir);
    assert.equal((await readFile(join(dir, 'lock'), 'utf8')).trim(), String(process.pid));
    await b.close();
  });

  it('a lost or damaged ack file only means frames are sent again, never lost', async () => {
    const dir = freshDir();
    const a = await openOutbox(dir);
    const offsets = await appendAll(a, range(0, 4));
    await a.ack(offsets[1]!);
    await a.close();
    await writeFile(join(dir, 'ack'), 'garbage');
    const b = await openOutbox(dir);
    assert.deepEqual(await ids(b), range(0, 4));
    await b.close();
  });
});
