import assert from 'node:assert/strict';
import { joinFrames } from '@typedcluster/core';
import { framesInBundle } from './frame-bundle.js';

describe('framesInBundle (wire-format §6.5)', () => {
  const frame = (n: number) => Buffer.concat([Buffer.from('TC'), Buffer.alloc(n)]);

  it('counts the frames of a §6.1 stream', () => {
    assert.equal(framesInBundle(Buffer.from(joinFrames([frame(30), frame(40), frame(50)]))), 3);
  });

  it('takes a bare frame, a broken stream and a too-short payload for one frame', () => {
    assert.equal(framesInBundle(frame(30)), undefined);
    assert.equal(framesInBundle(Buffer.from([0, 0, 0, 9, 1, 2])), undefined, 'a prefix running past the end');
    assert.equal(framesInBundle(Buffer.from([0, 0, 8, 0, 1, 2, 3, 4])), undefined, 'a prefix over 1024');
    assert.equal(framesInBundle(Buffer.from([0, 0])), undefined);
  });
});
