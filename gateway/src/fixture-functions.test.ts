import assert from 'node:assert/strict';
import { createContext, createLogger, parseRejections, type FunctionEvent, type FunctionModule, type FunctionRuntime } from '@typedcluster/core';
import * as crasher from '../test-fixtures/crasher/handler.js';
import * as echo from '../test-fixtures/echo/handler.js';
import * as hanger from '../test-fixtures/hanger/handler.js';
import * as memoryHog from '../test-fixtures/memory-hog/handler.js';
import * as rejecter from '../test-fixtures/rejecter/handler.js';

// Importing the fixtures here also puts them under `tsc` (tsconfig covers gateway/src only).
const modules: Record<string, FunctionModule<unknown>> = { crasher, echo, hanger, 'memory-hog': memoryHog, rejecter };

const runtime: FunctionRuntime = {
  name: 'fixture',
  env: { GREETING: 'hi' },
  log: createLogger('fixture', { sink: () => {} }),
  fetch: globalThis.fetch,
  now: () => 0,
  readSecret: () => '',
  gatewayUrl: 'http://127.0.0.1:8080',
};
const event = (path: string, body = ''): FunctionEvent => ({ body: Buffer.from(body), headers: { 'content-type': 'text/plain' }, method: 'POST', path, query: {} });

describe('gateway test fixtures follow the function module contract', () => {
  for (const [name, mod] of Object.entries(modules)) {
    it(`${name} sets up and answers its harmless path`, async () => {
      const handler = mod.createHandler(await mod.setup(runtime));
      const res = await handler(event('/'), createContext());
      assert.ok(res.status === 200 || name === 'rejecter', `${name} answered ${res.status}`);
    });
  }

  it('echo returns the body with its content type', async () => {
    const res = await echo.createHandler(await echo.setup(runtime))(event('/', 'abc'), createContext());
    assert.deepEqual(res.body, Buffer.from('abc'));
    assert.equal(res.headers['content-type'], 'text/plain');
  });

  it('rejecter marks its rejections in X-Rejected', async () => {
    const h = rejecter.createHandler();
    const one = await h(event('/'), createContext());
    assert.equal(one.status, 400);
    assert.deepEqual(parseRejections(one.headers['x-rejected']), { BAD_MAGIC: 1 });
    const batch = await h(event('/batch'), createContext());
    assert.equal(batch.status, 200);
    assert.deepEqual(parseRejections(batch.headers['x-rejected']), { BAD_MAGIC: 2, REPLAY: 1 });
  });
});
