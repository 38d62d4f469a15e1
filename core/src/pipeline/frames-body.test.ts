import assert from 'node:assert/strict';
import { MAX_BATCH_SIZE, MAX_FRAME_SIZE } from '../wire/constants.js';
import { joinFrames } from '../wire/stream-framing.js';
import { readFramesBody } from './frames-body.js';

const FRAMES = 'application/vnd.typedcluster.frames';
const bytes = (...xs: number[]) => new Uint8Array(xs);

describe('readFramesBody', () => {
  it('reads an application/octet-stream body as one item', () => {
    const body = bytes(0x54, 0x43, 1, 2);
    assert.deepEqual(readFramesBody('application/octet-stream', body), { ok: true, value: { batch: false, items: [{ bytes: body }] } });
  });

  it('reads a body without a content type as one item', () => {
    const body = bytes(1, 2, 3);
    assert.deepEqual(readFramesBody(undefined, body), { ok: true, value: { batch: false, items: [{ bytes: body }] } });
    assert.deepEqual(readFramesBody('', body), { ok: true, value: { batch: false, items: [{ bytes: body }] } });
  });

  it('splits a frames body by its length prefixes, in order', () => {
    const a = bytes(1, 2, 3);
    const b = bytes(4);
    const c = new Uint8Array(MAX_FRAME_SIZE).fill(7);
    const r = readFramesBody(FRAMES, joinFrames([a, b, c]));
    assert.deepEqual(r, { ok: true, value: { batch: true, items: [{ bytes: a }, { bytes: b }, { bytes: c }] } });
  });

  it('accepts parameters and any case in the content type', () => {
    const r = readFramesBody(`${FRAMES}; charset=binary`, joinFrames([bytes(9)]));
    assert.deepEqual(r, { ok: true, value: { batch: true, items: [{ bytes: bytes(9) }] } });
    const upper = readFramesBody('Application/Vnd.TypedCluster.Frames;charset=utf-8', joinFrames([bytes(9)]));
    assert.ok(upper.ok && upper.value.batch);
    assert.ok(readFramesBody('application/octet-stream; foo=bar', bytes(1)).ok);
  });

  it('reads an empty frames body as a batch of no items', () => {
    assert.deepEqual(readFramesBody(FRAMES, new Uint8Array(0)), { ok: true, value: { batch: true, items: [] } });
  });

  it('turns a truncated tail into one failed TRUNCATED item after the good frames', () => {
    const good = joinFrames([bytes(1, 2)]);
    const body = new Uint8Array([...good, 0, 0, 0, 5, 1, 2]); // declares 5 bytes, 2 follow
    const r = readFramesBody(FRAMES, body);
    assert.ok(r.ok);
    assert.equal(r.value.batch, true);
    assert.equal(r.value.items.length, 2);
    assert.deepEqual(r.value.items[0], { bytes: bytes(1, 2) });
    const tail = r.value.items[1];
    assert.ok(tail && 'error' in tail);
    assert.equal(tail.error.code, 'TRUNCATED');
    assert.equal(tail.error.at, good.length);
  });

  it('turns a partial length prefix into a failed TRUNCATED item', () => {
    const r = readFramesBody(FRAMES, bytes(0, 0));
    assert.ok(r.ok);
    assert.equal(r.value.items.length, 1);
    const only = r.value.items[0];
    assert.ok(only && 'error' in only);
    assert.equal(only.error.code, 'TRUNCATED');
  });

  it('turns a length prefix over the frame limit into a failed TOO_LARGE item', () => {
    const body = new Uint8Array(4 + MAX_FRAME_SIZE + 1);
    new DataView(body.buffer).setUint32(0, MAX_FRAME_SIZE + 1);
    const r = readFramesBody(FRAMES, body);
    assert.ok(r.ok);
    assert.equal(r.value.items.length, 1);
    const only = r.value.items[0];
    assert.ok(only && 'error' in only);
    assert.equal(only.error.code, 'TOO_LARGE');
  });

  for (const type of ['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/vnd.typedcluster.frame']) {
    it(`fails other content types (${type}) with UNSUPPORTED_MEDIA_TYPE`, () => {
      const r = readFramesBody(type, bytes(1));
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.ok(r.error.message.includes(type.split(';')[0]!), r.error.message);
    });
  }

  it('fails a frames body over 1 MiB with TOO_LARGE', () => {
    const r = readFramesBody(FRAMES, new Uint8Array(MAX_BATCH_SIZE + 1));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'TOO_LARGE');
  });

  it('accepts a frames body of exactly 1 MiB', () => {
    const frame = new Uint8Array(MAX_FRAME_SIZE - 4);
    const count = MAX_BATCH_SIZE / MAX_FRAME_SIZE;
    const body = joinFrames(Array.from({ length: count }, () => frame));
    assert.equal(body.length, MAX_BATCH_SIZE);
    const r = readFramesBody(FRAMES, body);
    assert.ok(r.ok);
    assert.equal(r.value.items.length, count);
  });
});
