import assert from 'node:assert/strict';
import { fail, type ErrorCode, type FrameOutcome } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { answerOf, batchResultsOf, bundleAnswerOf, frameAnswerOf, verdictOf } from './answer.js';
import { deadLetterOf, NO_CODE } from './dead-letter.js';

const answered = (status: number, body: unknown): InvocationOutcome => ({
  ok: true,
  status,
  seconds: 0.01,
  response: { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) },
});
const gatewayFailure = (code: Parameters<typeof fail>[0], status: number): InvocationOutcome => {
  const r = fail(code, `${code} happened`);
  if (r.ok) throw new Error('unreachable');
  return { ok: false, error: r.error, status, seconds: 0.01 };
};

describe('the answer → action table (docs/topics.md)', () => {
  const table: Array<[number, string | undefined, ReturnType<typeof verdictOf>]> = [
    [200, undefined, 'done'],
    [202, undefined, 'done'],
    [409, 'REPLAY', 'replay'],
    [409, 'KEY_ID_IN_USE', 'reject'],
    [400, 'BAD_MAGIC', 'reject'],
    [403, 'BAD_SIGNATURE', 'reject'],
    [404, 'FUNCTION_NOT_FOUND', 'reject'],
    [413, 'TOO_LARGE', 'reject'],
    [415, undefined, 'reject'],
    [500, 'HANDLER_FAILED', 'poison'],
    [502, 'FUNCTION_CRASHED', 'poison'],
    [504, 'FUNCTION_TIMEOUT', 'poison'],
    [500, undefined, 'poison'],
    [507, undefined, 'poison'],
    [502, undefined, 'poison'],
    [502, 'UPSTREAM_FAILED', 'outage'],
    [503, 'FUNCTION_UNAVAILABLE', 'outage'],
    [503, 'DATABASE_UNREACHABLE', 'outage'],
    [503, 'STORE_FAILED', 'outage'],
    [503, undefined, 'outage'],
    [429, 'QUEUE_FULL', 'outage'],
    [429, undefined, 'outage'],
  ];
  for (const [status, code, verdict] of table) {
    it(`${status} ${code ?? '(no code)'} → ${verdict}`, () => assert.equal(verdictOf(status, code), verdict));
  }
});

describe('answerOf', () => {
  it('reads {code, message} from a function\'s error body', () => {
    assert.deepEqual(answerOf(answered(400, { ok: false, code: 'BAD_MAGIC', message: 'no TC' })), { status: 400, code: 'BAD_MAGIC', reason: 'no TC', verdict: 'reject' });
  });

  it('takes the gateway\'s own failures as they are', () => {
    assert.deepEqual(answerOf(gatewayFailure('FUNCTION_CRASHED', 502)), { status: 502, code: 'FUNCTION_CRASHED', reason: 'FUNCTION_CRASHED happened', verdict: 'poison' });
    assert.equal(answerOf(gatewayFailure('UPSTREAM_FAILED', 502)).verdict, 'outage');
  });

  it('keeps a plain-text error body (clipped) as the reason, without a code', () => {
    const a = answerOf(answered(500, 'x'.repeat(2000)));
    assert.equal(a.code, undefined);
    assert.equal(a.verdict, 'poison');
    assert.ok(a.reason.length <= 501);
    assert.equal(answerOf(answered(500, '')).reason, 'the function answered 500');
  });
});

describe('batch answers', () => {
  const reply = { accepted: 1, rejected: 2, results: [{ ok: true, device: 7, seq: '1', type: 'reading' }, { ok: false, code: 'REPLAY', message: 'seen' }, { ok: false, code: 'STORE_FAILED', message: 'db' }] };

  it('maps per-frame results by index, with each code\'s catalogue status', () => {
    const results = batchResultsOf(answered(200, reply), 3)!;
    assert.deepEqual(results.map(frameAnswerOf).map((a) => [a.status, a.code, a.verdict]), [
      [200, undefined, 'done'],
      [409, 'REPLAY', 'replay'],
      [503, 'STORE_FAILED', 'outage'],
    ]);
    assert.equal(frameAnswerOf({ ok: false, code: 'NOT_A_CODE' as 'REPLAY', message: '?' }).verdict, 'poison');
  });

  it('refuses a reply that is not one result per frame', () => {
    assert.equal(batchResultsOf(answered(200, reply), 4), undefined);
    assert.equal(batchResultsOf(answered(200, 'ok'), 3), undefined);
    assert.equal(batchResultsOf(answered(200, { results: [{ ok: false }] }), 1), undefined);
    assert.equal(batchResultsOf(answered(500, reply), 3), undefined);
  });
});

describe('bundle answers (wire-format §6.5)', () => {
  const stored: FrameOutcome = { ok: true, device: 7, seq: '1', type: 'reading' };
  const refused = (code: ErrorCode): FrameOutcome => ({ ok: false, code, message: code.toLowerCase() });
  const verdicts = (...rs: Parameters<typeof bundleAnswerOf>[0]) => bundleAnswerOf(rs, true).verdict;

  it('is done when every frame is stored or already was, replay only when all were', () => {
    assert.equal(verdicts(stored, refused('REPLAY'), stored), 'done');
    assert.equal(verdicts(refused('REPLAY'), refused('REPLAY')), 'replay');
  });

  it('takes the most demanding frame: outage over poison over a refusal', () => {
    assert.equal(verdicts(stored, refused('BAD_SIGNATURE'), refused('STORE_FAILED')), 'outage');
    assert.equal(verdicts(refused('BAD_SIGNATURE'), refused('HANDLER_FAILED')), 'poison');
    const worst = bundleAnswerOf([stored, refused('BAD_SIGNATURE'), refused('BAD_SIGNATURE')], true);
    assert.deepEqual([worst.status, worst.code, worst.verdict], [403, 'BAD_SIGNATURE', 'reject']);
    assert.equal(worst.reason, 'frame 2 of 3 (2 like it): bad_signature');
  });

  it('answers a single frame by that frame alone', () => {
    assert.deepEqual(bundleAnswerOf([refused('BAD_MAGIC')], false), frameAnswerOf(refused('BAD_MAGIC')));
  });
});

describe('deadLetterOf', () => {
  it('writes the documented fields, in order', () => {
    const letter = deadLetterOf({
      fn: 'ingest-binary',
      topic: 'plc/7/cycle',
      payload: Buffer.from('not a frame'),
      answer: { status: 400, code: 'BAD_MAGIC', reason: 'frame does not start with "TC" (0x54 0x43)', verdict: 'reject' },
      attempts: 1,
      firstAttemptAt: Date.UTC(2026, 10, 21, 8),
      lastAttemptAt: Date.UTC(2026, 10, 21, 8),
    });
    assert.equal(
      JSON.stringify(letter),
      JSON.stringify({
        function: 'ingest-binary',
        topic: 'plc/7/cycle',
        code: 'BAD_MAGIC',
        reason: 'frame does not start with "TC" (0x54 0x43)',
        status: 400,
        attempts: 1,
        firstAttemptAt: '2026-11-21T08:00:00.000Z',
        lastAttemptAt: '2026-11-21T08:00:00.000Z',
        payload: Buffer.from('not a frame').toString('base64'),
      }),
    );
  });

  it('names an answer without a code UNEXPECTED_ANSWER', () => {
    const letter = deadLetterOf({ fn: 'f', topic: 't', payload: new Uint8Array([1]), answer: { status: 500, code: undefined, reason: 'boom', verdict: 'poison' }, attempts: 5, firstAttemptAt: 0, lastAttemptAt: 1 });
    assert.equal(letter.code, NO_CODE);
    assert.equal(letter.payload, 'AQ==');
  });
});
