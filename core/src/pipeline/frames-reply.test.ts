import assert from 'node:assert/strict';
import { createContext } from '../function/function-context.js';
import { REJECTED_HEADER } from '../function/function-types.js';
import type { FrameOutcome } from './frame-outcome.js';
import { replyToFrames } from './frames-reply.js';

const accepted: FrameOutcome = { ok: true, device: 12, seq: '7', type: 'reading' };
const replay: FrameOutcome = { ok: false, code: 'REPLAY', message: 'seq 6 already seen', device: 12, seq: '6' };
const tampered: FrameOutcome = { ok: false, code: 'DECRYPT_FAILED', message: 'tampered' };

describe('replyToFrames', () => {
  it('answers a batch with 200 and {accepted, rejected, results}', () => {
    const res = replyToFrames(createContext(), true, [accepted, replay, tampered], {});
    assert.deepEqual(res, { status: 200, headers: {}, body: { accepted: 1, rejected: 2, results: [accepted, replay, tampered] } });
  });

  it('answers an empty batch with 200 and zero counts', () => {
    const res = replyToFrames(createContext(), true, [], {});
    assert.deepEqual(res, { status: 200, headers: {}, body: { accepted: 0, rejected: 0, results: [] } });
  });

  it('answers a single accepted frame with 200 and its outcome', () => {
    const res = replyToFrames(createContext(), false, [accepted], {});
    assert.deepEqual(res, { status: 200, headers: {}, body: accepted });
  });

  it("answers a single failed frame with the catalogue's status for its code", () => {
    assert.deepEqual(replyToFrames(createContext(), false, [replay], {}), { status: 409, headers: {}, body: replay });
    assert.equal(replyToFrames(createContext(), false, [tampered], {}).status, 403);
    const truncated: FrameOutcome = { ok: false, code: 'TRUNCATED', message: 'short' };
    assert.equal(replyToFrames(createContext(), false, [truncated], {}).status, 400);
  });

  it('answers a single request with no outcome as 400 BAD_REQUEST', () => {
    const res = replyToFrames(createContext(), false, [], {});
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { code: 'BAD_REQUEST', message: 'empty body' });
  });

  it('sets X-Rejected from ownRejections only, not from the outcomes', () => {
    const batch = replyToFrames(createContext(), true, [accepted, replay, tampered], { DECRYPT_FAILED: 1 });
    assert.deepEqual(batch.headers, { [REJECTED_HEADER]: 'DECRYPT_FAILED=1' });
    const single = replyToFrames(createContext(), false, [replay], { REPLAY: 1, BAD_MAGIC: 2 });
    assert.deepEqual(single.headers, { [REJECTED_HEADER]: 'REPLAY=1,BAD_MAGIC=2' });
  });

  it('sets no X-Rejected header when ownRejections is empty or all zero', () => {
    assert.equal(REJECTED_HEADER in replyToFrames(createContext(), true, [replay], {}).headers, false);
    assert.equal(REJECTED_HEADER in replyToFrames(createContext(), false, [replay], { REPLAY: 0 }).headers, false);
  });
});
