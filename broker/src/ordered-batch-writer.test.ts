import assert from 'node:assert/strict';
import { OrderedBatchWriter } from './ordered-batch-writer.js';

/** A commit function whose batches the test sees and settles by hand. */
function manualCommit() {
  const batches: Array<{ ops: string[]; settle: (e?: Error) => void }> = [];
  const commit = (ops: string[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push({ ops, settle: (e) => (e ? reject(e) : resolve()) });
    });
  return { batches, commit };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('OrderedBatchWriter', () => {
  it('commits writes of one tick as one batch, and what comes while it is in flight as the next one, in order', async () => {
    const { batches, commit } = manualCommit();
    const w = new OrderedBatchWriter(commit);
    void w.write(['put a']);
    void w.write(['put b', 'put c']);
    await tick();
    void w.write(['del a']);
    void w.write(['put d']);
    await tick();
    assert.deepEqual(batches.map((b) => b.ops), [['put a', 'put b', 'put c']], 'one batch at a time');
    batches[0]!.settle();
    await tick();
    assert.deepEqual(batches.map((b) => b.ops), [['put a', 'put b', 'put c'], ['del a', 'put d']]);
    batches[1]!.settle();
    await w.flushed();
  });

  it('resolves a write only once its batch is committed', async () => {
    const { batches, commit } = manualCommit();
    const w = new OrderedBatchWriter(commit);
    let done = false;
    const p = w.write(['put a']).then(() => (done = true));
    await tick();
    assert.equal(done, false);
    batches[0]!.settle();
    await p;
    assert.equal(done, true);
  });

  it("rejects the writes of a failed batch and goes on with the next", async () => {
    const { batches, commit } = manualCommit();
    const w = new OrderedBatchWriter(commit);
    const first = w.write(['put a']);
    await tick();
    const second = w.write(['put b']);
    batches[0]!.settle(new Error('disk full'));
    await assert.rejects(first, /disk full/);
    await tick();
    batches[1]!.settle();
    await second;
    assert.deepEqual(batches.map((b) => b.ops), [['put a'], ['put b']]);
  });

  it('flushed() waits for every batch written so far', async () => {
    const { batches, commit } = manualCommit();
    const w = new OrderedBatchWriter(commit);
    void w.write(['put a']);
    await tick();
    void w.write(['put b']);
    let flushed = false;
    const f = w.flushed().then(() => (flushed = true));
    batches[0]!.settle();
    await tick();
    assert.equal(flushed, false);
    batches[1]!.settle();
    await f;
    assert.equal(flushed, true);
  });
});
