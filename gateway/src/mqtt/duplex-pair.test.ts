import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { duplexPair } from './duplex-pair.js';

// Not events.once: it rejects on 'error', and a destroyed side may emit one before 'close'.
const closed = (s: Duplex): Promise<void> => new Promise((r) => s.once('close', () => r()));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function readAll(s: Duplex): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  return once(s, 'end').then(() => Buffer.concat(parts));
}

describe('duplexPair', () => {
  it('carries bytes both ways, in order', async () => {
    const [a, b] = duplexPair();
    const atB = readAll(b);
    const atA = readAll(a);
    a.write('hello ');
    a.cork();
    a.write('wor');
    a.write('ld');
    process.nextTick(() => a.uncork()); // _writev
    b.write(Buffer.from([1, 2, 3]));
    a.end();
    assert.equal(String(await atB), 'hello world');
    // b ended itself when a's end reached it (allowHalfOpen: false).
    assert.deepEqual([...(await atA)], [1, 2, 3]);
  });

  it('end() on one side ends and closes both', async () => {
    const [a, b] = duplexPair();
    const both = Promise.all([closed(a), closed(b)]);
    a.resume();
    b.resume();
    const bEnded = once(b, 'end');
    const bFinished = once(b, 'finish');
    a.end();
    await bEnded;
    await bFinished;
    await both;
    assert.equal(a.destroyed && b.destroyed, true);
  });

  it('destroy() closes the other side, without passing the error on', async () => {
    const [a, b] = duplexPair();
    const errors: string[] = [];
    a.on('error', (e: Error) => errors.push(`a:${e.message}`));
    b.on('error', (e: Error) => errors.push(`b:${e.message}`));
    const bEnded = { seen: false };
    b.on('end', () => (bEnded.seen = true));
    const both = Promise.all([closed(a), closed(b)]);
    a.destroy(new Error('boom'));
    await both;
    assert.deepEqual(errors, ['a:boom']);
    assert.equal(b.destroyed, true);
    assert.equal(bEnded.seen, false, 'an abrupt close is not a clean end');
  });

  it('a write after the other side was destroyed fails instead of hanging', async () => {
    const [a, b] = duplexPair();
    b.destroy();
    await closed(a);
    const err = await new Promise<Error | null | undefined>((r) => a.write('late', r));
    assert.ok(err instanceof Error);
  });

  it('holds writes while the reader does not read: write() returns false, drain comes once it reads', async () => {
    const [a, b] = duplexPair();
    const chunk = Buffer.alloc(8192, 7);
    let accepted = 0;
    while (a.write(chunk)) {
      accepted++;
      assert.ok(accepted < 1000, 'write() never pushed back');
    }
    await tick();
    // Bounded: the reader's buffer plus the writer's, each about one highWaterMark.
    const buffered = b.readableLength + a.writableLength;
    assert.ok(buffered <= b.readableHighWaterMark + a.writableHighWaterMark + chunk.length, `buffered ${buffered} bytes`);
    assert.equal(a.writableNeedDrain, true);
    const drained = once(a, 'drain');
    let read = 0;
    b.on('data', (c: Buffer) => (read += c.length));
    await drained;
    await tick();
    assert.equal(read, (accepted + 1) * chunk.length, 'every byte written before the drain arrives');
  });

  it('destroying while a write is held closes both sides', async () => {
    const [a, b] = duplexPair();
    while (a.write(Buffer.alloc(8192))) {
      /* fill b's buffer */
    }
    const both = Promise.all([closed(a), closed(b)]);
    b.destroy();
    await both;
    assert.equal(a.destroyed, true);
  });
});
