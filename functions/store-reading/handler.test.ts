import assert from 'node:assert/strict';
import { createContext, createDeviceRegistry, createLogger, createReadingStore, createTestDatabase, type FunctionEvent, type TestDatabase, type TextRecord } from '@typedcluster/core';
import { createHandler, type StoreReadingDeps } from './handler.js';

const quiet = createLogger('test', { sink: () => {} });
const reading: TextRecord = { type: 'reading', device: 3, seq: '10', keyId: 1, ts: '2026-11-21T07:00:00.000Z', temperature: 20, pressure: 100, humidity: 40 };

function event(body: string | Buffer, contentType = 'application/json', method = 'POST'): FunctionEvent {
  return { body: Buffer.isBuffer(body) ? body : Buffer.from(body), headers: { 'content-type': contentType }, method, path: '/', query: {} };
}

/** Validation runs before any database work: these cases must never reach the store. */
describe('store-reading input validation', () => {
  const calls: unknown[] = [];
  const deps: StoreReadingDeps = {
    store: async (records) => {
      calls.push(records);
      return { ok: true, value: records.map(() => 'stored' as const) };
    },
    log: quiet,
    maxRecords: 2,
  };
  const handle = createHandler(deps);
  afterEach(() => assert.equal(calls.length, 0, 'store must not be called for bad input'));

  const cases: Array<[string, FunctionEvent, number, string]> = [
    ['GET', event('{}', 'application/json', 'GET'), 400, 'BAD_REQUEST'],
    ['text/plain', event('{"records":[]}', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['invalid UTF-8', event(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 400, 'BAD_REQUEST'],
    ['bad JSON', event('{"records":'), 400, 'BAD_REQUEST'],
    ['bad record', event(JSON.stringify({ records: [{ ...reading, device: -1 }] })), 400, 'BAD_REQUEST'],
    ['too many', event(JSON.stringify({ records: [reading, reading, reading] })), 413, 'TOO_LARGE'],
  ];
  for (const [name, ev, status, code] of cases) {
    it(`rejects ${name} with ${status} ${code} and counts it`, async () => {
      const res = await handle(ev, createContext());
      assert.equal(res.status, status);
      assert.equal((res.body as { code: string }).code, code);
      assert.equal(res.headers['x-rejected'], `${code}=1`);
    });
  }
});

describe('store-reading store outcomes', () => {
  it('reports stored and duplicate counts in order', async () => {
    const handle = createHandler({
      store: async () => ({ ok: true, value: ['stored', 'duplicate'] }),
      log: quiet,
      maxRecords: 10,
    });
    const res = await handle(event(JSON.stringify({ records: [reading, reading] })), createContext());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { stored: 1, duplicates: 1, results: ['stored', 'duplicate'] });
  });

  it('answers 503 STORE_FAILED without counting a rejection when the store fails', async () => {
    const handle = createHandler({
      store: async () => ({ ok: false, error: { code: 'STORE_FAILED', message: 'connection lost' } }),
      log: quiet,
      maxRecords: 10,
    });
    const res = await handle(event(JSON.stringify({ records: [reading] })), createContext());
    assert.equal(res.status, 503);
    assert.equal((res.body as { code: string }).code, 'STORE_FAILED');
    assert.equal(res.headers['x-rejected'], undefined);
  });
});

describe('store-reading against PostgreSQL @integration', () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase('store_fn');
    await createDeviceRegistry(t.db).addDevice({ id: 3, name: 'sensor-3', identityPublicKey: new Uint8Array(32).fill(1) });
  });
  after(() => t?.drop());

  it('stores a batch once: the same batch again is all duplicates', async () => {
    const store = createReadingStore(t.db);
    const handle = createHandler({ store: (r) => store.storeRecords(r), log: quiet, maxRecords: 100 });
    const records = [reading, { ...reading, seq: '11', temperature: null }];
    const body = JSON.stringify({ records });
    const first = await handle(event(body), createContext());
    assert.deepEqual(first.body, { stored: 2, duplicates: 0, results: ['stored', 'stored'] });
    const second = await handle(event(body), createContext());
    assert.deepEqual(second.body, { stored: 0, duplicates: 2, results: ['duplicate', 'duplicate'] });
    const rows = await t.db.query<{ seq: string; temperature: number | null }>('SELECT seq::text, temperature FROM readings WHERE device_id = 3 ORDER BY seq');
    assert.deepEqual(rows.rows, [{ seq: '10', temperature: 20 }, { seq: '11', temperature: null }]);
  });
});
