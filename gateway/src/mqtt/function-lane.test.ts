import assert from 'node:assert/strict';
import { batchReply, FRAMES_CONTENT_TYPE, joinFrames, splitFrames, type FrameOutcome } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { systemClock } from '../runtime/clock.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import { until } from '../testing/gateway-harness.js';
import type { DeliveryEnd, LaneMessage } from './delivery.js';
import { FunctionLane } from './function-lane.js';
import type { BatchKind } from './routes.js';

const ok200: InvocationOutcome = { ok: true, status: 200, seconds: 0, response: { status: 200, headers: {}, body: Buffer.from('{}') } };
const answered = (status: number, body: object): InvocationOutcome => ({ ok: true, status, seconds: 0, response: { status, headers: {}, body: Buffer.from(JSON.stringify(body)) } });

interface Call {
  readonly req: UpstreamRequest;
  readonly payloads: string[];
  answer(o: InvocationOutcome): void;
}

/** A lane over a fake invoke whose calls the test answers by hand. */
function lane(opts: { batch?: BatchKind; maxBatchBytes?: number; concurrency?: number; batchMax?: number; batchWaitMs?: number; maxAttempts?: number; bundles?: boolean } = {}) {
  const calls: Call[] = [];
  const ends: Array<{ payload: string; end: DeliveryEnd; attempts: number }> = [];
  const retries: string[] = [];
  const splits: number[] = [];
  const l = new FunctionLane<LaneMessage>('fn', opts.batch, {
    clock: systemClock,
    config: { maxAttempts: opts.maxAttempts ?? 3, retryBackoffMs: 5, retryBackoffMaxMs: 10, concurrency: opts.concurrency ?? 4, batchMax: opts.batchMax ?? 100, batchWaitMs: opts.batchWaitMs ?? 0 },
    maxBatchBytes: opts.maxBatchBytes ?? 1024 * 1024,
    newCallId: () => 'id',
    ...(opts.bundles === undefined ? {} : { bundles: opts.bundles }),
    invoke: (_fn, req) =>
      new Promise((resolve) => {
        const frames = req.headers['content-type'] === FRAMES_CONTENT_TYPE;
        const split = splitFrames(req.body);
        const payloads = frames && split.ok ? split.value.frames.map((f) => Buffer.from(f).toString()) : [req.body.toString()];
        calls.push({ req, payloads, answer: resolve });
      }),
    onEnd: (d, end) => ends.push({ payload: d.message.payload.toString(), end, attempts: d.attempts }),
    onRetry: (d) => retries.push(d.message.payload.toString()),
    onSplit: (_fn, size) => splits.push(size),
  });
  const add = (topic: string, payload: string) => l.add({ topic, payload: Buffer.from(payload) });
  /** A bundle (wire-format §6.5): one message carrying these frames as a §6.1 stream. */
  const addBundle = (topic: string, ...frames: string[]) => l.add({ topic, payload: Buffer.from(joinFrames(frames.map((f) => Buffer.from(f)))) });
  return { l, calls, ends, retries, splits, add, addBundle };
}

const perFrame = (...results: FrameOutcome[]): InvocationOutcome => answered(200, batchReply(results));
const good: FrameOutcome = { ok: true, device: 1, seq: '1', type: 'reading' };

describe('FunctionLane', () => {
  it('keeps each topic in order but runs topics side by side, up to the concurrency', async () => {
    const t = lane({ concurrency: 2 });
    t.add('a', 'a1');
    t.add('a', 'a2');
    t.add('b', 'b1');
    t.add('c', 'c1');
    assert.deepEqual(t.calls.map((c) => c.payloads[0]), ['a1', 'b1']);
    assert.equal(t.calls[0]!.req.headers['x-topic'], 'a');
    t.calls[1]!.answer(ok200); // b1
    await until(() => t.calls.length === 3);
    assert.equal(t.calls[2]!.payloads[0], 'c1', 'a2 waits for a1');
    t.calls[0]!.answer(ok200); // a1
    await until(() => t.calls.length === 4);
    assert.equal(t.calls[3]!.payloads[0], 'a2');
    t.calls[2]!.answer(ok200);
    t.calls[3]!.answer(ok200);
    await until(() => t.ends.length === 4);
    assert.deepEqual(t.ends.map((e) => e.end.kind), ['done', 'done', 'done', 'done']);
  });

  it('holds a topic back while its head waits for a retry', async () => {
    const t = lane();
    t.add('a', 'a1');
    t.add('a', 'a2');
    t.calls[0]!.answer(answered(503, { code: 'STORE_FAILED', message: 'db' }));
    await until(() => t.calls.length === 2);
    assert.deepEqual(t.calls.map((c) => c.payloads[0]), ['a1', 'a1']);
    assert.deepEqual(t.retries, ['a1']);
    t.calls[1]!.answer(ok200);
    await until(() => t.calls.length === 3);
    assert.equal(t.calls[2]!.payloads[0], 'a2');
  });

  it('dead-letters after maxAttempts answers that count; outages do not count', async () => {
    const t = lane({ maxAttempts: 2 });
    t.add('a', 'x');
    t.calls[0]!.answer(answered(503, { code: 'DATABASE_UNREACHABLE', message: 'down' }));
    await until(() => t.calls.length === 2);
    t.calls[1]!.answer(answered(500, { code: 'HANDLER_FAILED', message: 'boom' }));
    await until(() => t.calls.length === 3);
    t.calls[2]!.answer(answered(500, { code: 'HANDLER_FAILED', message: 'boom' }));
    await until(() => t.ends.length === 1);
    const { end, attempts } = t.ends[0]!;
    assert.equal(end.kind, 'dead');
    assert.equal(attempts, 3);
    assert.equal(end.kind === 'dead' && end.answer.code, 'HANDLER_FAILED');
  });

  it('batches what is queued (up to batchMax) and maps per-frame answers back by index', async () => {
    const t = lane({ batch: 'frames', batchMax: 3, batchWaitMs: 20 });
    for (const p of ['m1', 'm2', 'm3', 'm4']) t.add(`d/${p}`, p);
    assert.equal(t.calls.length, 1, 'a full batch goes at once');
    assert.deepEqual(t.calls[0]!.payloads, ['m1', 'm2', 'm3']);
    assert.equal(t.calls[0]!.req.headers['content-type'], FRAMES_CONTENT_TYPE);
    await until(() => t.calls.length === 2); // m4 after batchWaitMs
    assert.deepEqual(t.calls[1]!.payloads, ['m4']);
    t.calls[0]!.answer(perFrame(good, { ok: false, code: 'BAD_MAGIC', message: 'no' }, { ok: false, code: 'REPLAY', message: 'seen' }));
    t.calls[1]!.answer(perFrame(good));
    await until(() => t.ends.length === 4);
    assert.deepEqual(
      t.ends.map((e) => [e.payload, e.end.kind]),
      [['m1', 'done'], ['m2', 'dead'], ['m3', 'replay'], ['m4', 'done']],
    );
  });

  it('takes consecutive messages of one topic into one batch, in order', async () => {
    const t = lane({ batch: 'frames', batchMax: 10, batchWaitMs: 10 });
    for (const p of ['a1', 'a2', 'a3']) t.add('a', p);
    await until(() => t.calls.length === 1);
    assert.deepEqual(t.calls[0]!.payloads, ['a1', 'a2', 'a3']);
  });

  it('splits a batch that failed as a whole (500) into single messages, without counting that try', async () => {
    const t = lane({ batch: 'frames', batchMax: 3, batchWaitMs: 50, maxAttempts: 1 });
    for (const p of ['s1', 's2', 's3']) t.add('s', p);
    t.calls[0]!.answer(answered(500, { code: 'HANDLER_FAILED', message: 'poison' }));
    await until(() => t.calls.length === 2);
    assert.deepEqual(t.splits, [3]);
    assert.equal(t.calls[1]!.req.headers['content-type'], 'application/octet-stream');
    assert.deepEqual(t.calls[1]!.payloads, ['s1']);
    t.calls[1]!.answer(ok200);
    await until(() => t.calls.length === 3);
    t.calls[2]!.answer(answered(500, { code: 'HANDLER_FAILED', message: 'poison' }));
    await until(() => t.calls.length === 4);
    t.calls[3]!.answer(ok200);
    await until(() => t.ends.length === 3);
    assert.deepEqual(t.ends.map((e) => [e.payload, e.end.kind, e.attempts]), [['s1', 'done', 2], ['s2', 'dead', 2], ['s3', 'done', 2]]);
  });

  it('retries a whole batch on an outage, as a batch', async () => {
    const t = lane({ batch: 'frames', batchMax: 2, batchWaitMs: 50 });
    t.add('a', 'o1');
    t.add('b', 'o2');
    t.calls[0]!.answer(answered(502, { code: 'UPSTREAM_FAILED', message: 'verify down' }));
    await until(() => t.calls.length >= 2 && t.calls.flatMap((c) => c.payloads).length === 4);
    assert.ok(t.calls.slice(1).every((c) => c.req.headers['content-type'] === FRAMES_CONTENT_TYPE));
    assert.equal(t.splits.length, 0);
  });

  it('sends a JSON batch as one array of the payloads, settled by one 2xx', async () => {
    const t = lane({ batch: 'json', batchMax: 3, batchWaitMs: 20 });
    for (const [topic, p] of [['readings/1', '{"records":[1]}'], ['readings/2', '{"records":[2]}'], ['readings/1', '{"records":[3]}']] as const) t.add(topic, p);
    assert.equal(t.calls.length, 1, 'a full batch goes at once');
    assert.equal(t.calls[0]!.req.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(t.calls[0]!.req.body.toString()), [{ records: [1] }, { records: [3] }, { records: [2] }], 'each topic in order');
    t.calls[0]!.answer(ok200);
    await until(() => t.ends.length === 3);
    assert.ok(t.ends.every((e) => e.end.kind === 'done'));
  });

  it('splits a refused JSON batch, so only the bad message is dead-lettered', async () => {
    const t = lane({ batch: 'json', batchMax: 3, batchWaitMs: 50 });
    for (const p of ['{"a":1}', 'not json', '{"a":3}']) t.add(`t/${p}`, p);
    t.calls[0]!.answer(answered(400, { code: 'BAD_REQUEST', message: 'body is not JSON' }));
    await until(() => t.calls.length === 4); // three topics: the three go alone side by side
    assert.deepEqual(t.splits, [3]);
    for (const call of t.calls.slice(1)) {
      assert.equal(call.req.headers['content-type'], 'application/json', 'alone, as it came');
      call.answer(call.payloads[0] === 'not json' ? answered(400, { code: 'BAD_REQUEST', message: 'body is not JSON' }) : ok200);
    }
    await until(() => t.ends.length === 3);
    assert.deepEqual(t.ends.map((e) => [e.payload, e.end.kind]).sort(), [['not json', 'dead'], ['{"a":1}', 'done'], ['{"a":3}', 'done']]);
  });

  it('keeps a JSON batch under maxBatchBytes, closing bracket included', async () => {
    const t = lane({ batch: 'json', batchMax: 100, batchWaitMs: 0, maxBatchBytes: 10 });
    t.add('a', '"123"'); // 5 bytes: ["123"] is 7
    t.add('a', '"4"'); // ["123","4"] would be 11
    await until(() => t.calls.length === 1);
    assert.equal(t.calls[0]!.req.body.toString(), '["123"]');
    t.calls[0]!.answer(ok200);
    await until(() => t.calls.length === 2);
    assert.equal(t.calls[1]!.req.body.toString(), '["4"]');
  });

  it('stop() waits for running invocations and starts no more', async () => {
    const t = lane({ concurrency: 1 });
    t.add('a', 'r1');
    t.add('b', 'r2');
    let stopped = false;
    const stop = t.l.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(stopped, false);
    t.calls[0]!.answer(ok200);
    await stop;
    assert.equal(t.calls.length, 1);
    assert.deepEqual(t.ends.map((e) => e.payload), ['r1']);
  });

  describe('bundles (several frames in one message, wire-format §6.5)', () => {
    it('puts a bundle\'s frames into the frames body as they are, counts them against batchMax, and answers the message once for all of them', async () => {
      const t = lane({ batch: 'frames', batchMax: 5, batchWaitMs: 20 });
      t.add('a', 's1');
      t.addBundle('b', 'b1', 'b2', 'b3');
      t.add('c', 's2');
      t.add('d', 's3'); // a sixth frame: over batchMax, waits for the next batch
      await until(() => t.calls.length === 2);
      assert.deepEqual(t.calls.map((c) => c.payloads), [['s1', 'b1', 'b2', 'b3', 's2'], ['s3']]);
      t.calls[0]!.answer(perFrame(good, good, { ok: false, code: 'REPLAY', message: 'seen' }, good, good));
      t.calls[1]!.answer(perFrame(good));
      await until(() => t.ends.length === 4);
      assert.deepEqual(t.ends.map((e) => e.end.kind), ['done', 'done', 'done', 'done']);
    });

    it('dead-letters a bundle with a refused frame, naming it, and retries a bundle with a frame caught in an outage', async () => {
      const t = lane({ batch: 'frames', batchMax: 10, batchWaitMs: 0 });
      t.addBundle('bad', 'x1', 'x2');
      await until(() => t.calls.length === 1);
      t.calls[0]!.answer(perFrame(good, { ok: false, code: 'BAD_SIGNATURE', message: 'forged' }));
      await until(() => t.ends.length === 1);
      const dead = t.ends[0]!.end;
      assert.equal(dead.kind, 'dead');
      assert.equal(dead.kind === 'dead' && dead.answer.code, 'BAD_SIGNATURE');
      assert.match(dead.kind === 'dead' ? dead.answer.reason : '', /^frame 2 of 2/);

      t.addBundle('slow', 'y1', 'y2');
      await until(() => t.calls.length === 2);
      t.calls[1]!.answer(perFrame(good, { ok: false, code: 'STORE_FAILED', message: 'db down' }));
      await until(() => t.calls.length === 3);
      assert.deepEqual(t.calls[2]!.payloads, ['y1', 'y2'], 'the whole bundle again');
      t.calls[2]!.answer(perFrame({ ok: false, code: 'REPLAY', message: 'seen' }, good));
      await until(() => t.ends.length === 2);
      assert.equal(t.ends[1]!.end.kind, 'done');
    });

    it('takes a bundle-shaped payload as one frame where bundles are off (the TCP listener)', async () => {
      const t = lane({ batch: 'frames', batchMax: 10, batchWaitMs: 0, bundles: false });
      t.addBundle('tcp', 'w1', 'w2');
      await until(() => t.calls.length === 1);
      assert.equal(t.calls[0]!.payloads.length, 1, 'one frame in the body: the stream as it came');
    });

    it('sends a bundle alone as a frames body after a whole-batch failure, and a broken bundle as one payload', async () => {
      const t = lane({ batch: 'frames', batchMax: 10, batchWaitMs: 0, maxAttempts: 1 });
      t.addBundle('b', 'z1', 'z2');
      await until(() => t.calls.length === 1);
      t.calls[0]!.answer(answered(500, { code: 'HANDLER_FAILED', message: 'boom' }));
      await until(() => t.calls.length === 2);
      assert.equal(t.calls[1]!.req.headers['content-type'], FRAMES_CONTENT_TYPE);
      assert.deepEqual(t.calls[1]!.payloads, ['z1', 'z2']);
      const broken = Buffer.from([0, 0, 0, 9, 1, 2]); // a prefix running past the end
      t.l.add({ topic: 'x', payload: broken });
      await until(() => t.calls.length === 3);
      assert.deepEqual(t.calls[2]!.req.body, joinFramesBody([broken]), 'not a bundle: one frame like any other');
    });
  });
});

const joinFramesBody = (payloads: Buffer[]): Buffer => Buffer.from(joinFrames(payloads));
