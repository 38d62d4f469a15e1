import assert from 'node:assert/strict';
import { toHex } from './bytes.js';
import { decodeFrame } from './decode-frame.js';
import { bytesOf, fill } from './fixtures/annotated.js';
import type { Segment } from './fixtures/annotated.js';
import { VALID_FRAMES } from './fixtures/frame-fixtures.js';
import { joinFrames, splitFrames } from './stream-framing.js';

const frameHex = (i: number) => toHex(bytesOf(VALID_FRAMES[i]!.segments));

describe('wire stream framing (wire-format §6)', () => {
  it('splits prefixed frames and each decodes', () => {
    const body = bytesOf([
      ['00000052', 'length 82'],
      [frameHex(0), 'READING frame'],
      ['0000007c', 'length 124'],
      [frameHex(1), 'SESSION frame'],
    ]);
    const r = splitFrames(body);
    assert.ok(r.ok);
    assert.equal(r.value.rest, undefined);
    assert.deepEqual(r.value.offsets, [4, 90]);
    assert.deepEqual(r.value.frames.map(toHex), [frameHex(0), frameHex(1)]);
    assert.deepEqual(r.value.frames.map((f) => decodeFrame(f).ok), [true, true]);
  });

  it('keeps a bad frame as an item, so the next one is still found by its prefix', () => {
    const body = bytesOf([
      ['00000003', 'length 3'],
      ['ffffff', 'garbage frame'],
      ['00000000', 'length 0'],
      ['00000052', 'length 82'],
      [frameHex(0), 'READING frame'],
    ]);
    const r = splitFrames(body);
    assert.ok(r.ok);
    assert.equal(r.value.frames.length, 3);
    const decoded = r.value.frames.map(decodeFrame);
    assert.deepEqual(decoded.map((d) => (d.ok ? 'ok' : `${d.error.code}@${d.error.at}`)), ['BAD_MAGIC@0', 'TRUNCATED@0', 'ok']);
  });

  const broken: Array<[string, Segment[], { code: string; at: number }, number]> = [
    ['a prefix over 1024', [['00000052', 'length 82'], [frameHex(0), 'frame'], ['00000401', 'length 1025'], [fill('00', 1025), '']], { code: 'TOO_LARGE', at: 86 }, 1],
    ['a prefix running past the end', [['00000052', 'length 82'], [frameHex(0), 'frame'], ['00000052', 'length 82'], [fill('00', 81), 'one short']], { code: 'TRUNCATED', at: 86 }, 1],
    ['a cut prefix', [['00000052', 'length 82'], [frameHex(0), 'frame'], ['000000', '3 prefix bytes']], { code: 'TRUNCATED', at: 86 }, 1],
    ['a bad first prefix', [['ffffffff', 'length 2^32-1']], { code: 'TOO_LARGE', at: 0 }, 0],
  ];
  for (const [name, segments, rest, good] of broken) {
    it(`stops at ${name}, keeping the frames before it`, () => {
      const r = splitFrames(bytesOf(segments));
      assert.ok(r.ok);
      assert.equal(r.value.frames.length, good);
      assert.deepEqual({ code: r.value.rest?.code, at: r.value.rest?.at }, rest);
    });
  }

  it('an empty body is zero frames', () => {
    const r = splitFrames(new Uint8Array(0));
    assert.ok(r.ok);
    assert.deepEqual([r.value.frames.length, r.value.rest], [0, undefined]);
  });

  it('refuses a body over 1 MiB as a whole', () => {
    const r = splitFrames(new Uint8Array(1024 * 1024 + 1));
    assert.ok(!r.ok);
    assert.deepEqual({ code: r.error.code, at: r.error.at }, { code: 'TOO_LARGE', at: 1024 * 1024 });
  });

  it('joinFrames is the inverse of splitFrames', () => {
    const frames = VALID_FRAMES.map((f) => bytesOf(f.segments));
    const joined = joinFrames(frames);
    assert.equal(joined.length, frames.reduce((n, f) => n + 4 + f.length, 0));
    const r = splitFrames(joined);
    assert.ok(r.ok);
    assert.deepEqual(r.value.frames.map(toHex), frames.map(toHex));
  });

  it('joinFrames refuses a frame over 1024 bytes and a batch over 1 MiB', () => {
    assert.throws(() => joinFrames([new Uint8Array(1025)]), RangeError);
    assert.throws(() => joinFrames(Array.from({ length: 1025 }, () => new Uint8Array(1020))), RangeError);
  });
});
