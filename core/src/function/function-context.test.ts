import assert from 'node:assert/strict';
import type { Failure } from '../result/result.js';
import { createContext, failWith, formatRejections, parseRejections } from './function-context.js';
import { REJECTED_HEADER } from './function-types.js';

describe('createContext', () => {
  it('succeeds with 200 and fails with 500 by default', () => {
    assert.deepEqual(createContext().succeed({ a: 1 }), { status: 200, headers: {}, body: { a: 1 } });
    assert.deepEqual(createContext().fail('boom'), { status: 500, headers: {}, body: 'boom' });
  });

  it('uses the status set before succeed or fail', () => {
    assert.equal(createContext().status(201).succeed(null).status, 201);
    assert.equal(createContext().status(404).fail(null).status, 404);
  });

  it('merges headers, later values winning', () => {
    const res = createContext()
      .headers({ 'content-type': 'text/plain', 'x-a': '1' })
      .headers({ 'content-type': 'application/json', 'x-b': '2' })
      .succeed('{}');
    assert.deepEqual(res.headers, { 'content-type': 'application/json', 'x-a': '1', 'x-b': '2' });
  });

  it('passes a Buffer body through unchanged', () => {
    const body = Buffer.from([1, 2, 3]);
    assert.equal(createContext().succeed(body).body, body);
  });
});

describe('failWith', () => {
  const failure: Failure = { code: 'REPLAY', message: 'seq 7 already seen', at: 10 };

  it("answers with the catalogue's status, the failure as body, and X-Rejected CODE=1", () => {
    const res = failWith(createContext(), failure);
    assert.deepEqual(res, { status: 409, headers: { [REJECTED_HEADER]: 'REPLAY=1' }, body: failure });
  });

  it('sets no X-Rejected header when countAsRejection is false', () => {
    const res = failWith(createContext(), { code: 'UPSTREAM_FAILED', message: 'down' }, false);
    assert.deepEqual(res, { status: 502, headers: {}, body: { code: 'UPSTREAM_FAILED', message: 'down' } });
  });

  it('keeps headers set earlier on the context', () => {
    const res = failWith(createContext().headers({ 'x-trace': 't1' }), { code: 'TRUNCATED', message: 'short' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.headers, { 'x-trace': 't1', [REJECTED_HEADER]: 'TRUNCATED=1' });
  });
});

describe('formatRejections / parseRejections', () => {
  it('formats CODE=count pairs joined by commas, leaving out zero counts', () => {
    assert.equal(formatRejections({ REPLAY: 2, BAD_MAGIC: 1, TRUNCATED: 0 }), 'REPLAY=2,BAD_MAGIC=1');
    assert.equal(formatRejections({}), '');
    assert.equal(formatRejections({ REPLAY: 0 }), '');
  });

  it('round-trips positive counts', () => {
    const counts = { REPLAY: 3, DECRYPT_FAILED: 1, BAD_SIGNATURE: 12 };
    assert.deepEqual(parseRejections(formatRejections(counts)), counts);
  });

  it('reads an absent or empty header as no rejections', () => {
    assert.deepEqual(parseRejections(undefined), {});
    assert.deepEqual(parseRejections(''), {});
  });

  it('tolerates spaces around parts and sums repeated codes', () => {
    assert.deepEqual(parseRejections(' REPLAY=1 , REPLAY=2,BAD_TYPE=1'), { REPLAY: 3, BAD_TYPE: 1 });
  });

  it('ignores junk parts and keeps the good ones', () => {
    assert.deepEqual(parseRejections('REPLAY=1,junk,lower=2,BAD_MAGIC=x,=3,TRUNCATED=-1,A=1=2,,BAD_TYPE=,TOO_LARGE=4'), { REPLAY: 1, TOO_LARGE: 4 });
  });
});
