import assert from 'node:assert/strict';
import { createContext, createLogger, type FunctionEvent } from '@typedcluster/core';
import { createHandler } from './handler.js';

const event = (body: string, method = 'POST'): FunctionEvent => ({ body: Buffer.from(body), headers: {}, method, path: '/', query: {} });
const deps = { log: createLogger('test', { sink: () => {} }), maxBytes: 8 };

// The scaffold's own test: a new function starts with one, next to its handler.
describe('new function scaffold', () => {
  it('answers a POST with the size of its body', async () => {
    const res = await createHandler(deps)(event('hello'), createContext());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { bytes: 5 });
  });

  it('rejects other methods and oversized bodies with catalogued codes', async () => {
    const h = createHandler(deps);
    const get = await h(event('', 'GET'), createContext());
    assert.deepEqual([get.status, (get.body as { code: string }).code], [400, 'BAD_REQUEST']);
    const big = await h(event('123456789'), createContext());
    assert.deepEqual([big.status, (big.body as { code: string }).code], [413, 'TOO_LARGE']);
  });
});
