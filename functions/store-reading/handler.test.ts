import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '@typedcluster/broker';
import {
  createContext,
  createDeviceRegistry,
  createLogger,
  createMqttPublisher,
  createReadingStore,
  createTestDatabase,
  freePort,
  ok,
  type FunctionEvent,
  type MqttPublisher,
  type TestDatabase,
  type TextRecord,
} from '@typedcluster/core';
import mqtt from 'mqtt';
import { STORE_READING_MQTT_SECRET, STORE_READING_VARIABLES, createHandler, textStageMessages, type StoreReadingDeps } from './handler.js';

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

describe('store-reading text stage', () => {
  it('publishes one message per device, records in batch order, as {"records": [...]}', () => {
    const other = { ...reading, device: 4, seq: '1' };
    const sent = textStageMessages([reading, other, { ...reading, seq: '11' }]);
    assert.deepEqual(sent, [
      ['readings/3', JSON.stringify({ records: [reading, { ...reading, seq: '11' }] })],
      ['readings/4', JSON.stringify({ records: [other] })],
    ]);
  });

  it('splits a device\'s records into messages under the size limit, each a whole {"records": [...]} in order', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ ...reading, seq: String(100 + i) }));
    const limit = 1000;
    const sent = textStageMessages(many, limit);
    assert.ok(sent.length > 1, `${sent.length} message(s)`);
    for (const [topic, payload] of sent) {
      assert.equal(topic, 'readings/3');
      assert.ok(Buffer.byteLength(payload) <= limit, `${Buffer.byteLength(payload)} bytes`);
    }
    assert.deepEqual(sent.flatMap(([, p]) => (JSON.parse(p) as { records: unknown[] }).records), many);
  });

  it('republishes each record as it arrived, byte for byte, whatever the spacing of the body', async () => {
    const other = { ...reading, device: 4, seq: '1' };
    const stored = async (records: readonly unknown[]) => ({ ok: true as const, value: records.map(() => 'stored' as const) });
    for (const body of [JSON.stringify({ records: [reading, other] }), JSON.stringify({ records: [reading, other] }, null, 2)]) {
      const sent: Array<[string, string]> = [];
      const handle = createHandler({ store: stored, log: quiet, maxRecords: 10, publish: (t, p) => sent.push([t, p]) });
      assert.equal((await handle(event(body), createContext())).status, 200);
      assert.deepEqual(sent.map(([t]) => t), ['readings/3', 'readings/4']);
      assert.deepEqual(sent.map(([, p]) => JSON.parse(p)), [{ records: [reading] }, { records: [other] }]);
      // The records' own bytes, not a re-serialisation: the indented body keeps its indentation.
      const indented = body.includes('\n');
      assert.equal(sent[0]![1].includes('\n'), indented);
      if (!indented) assert.equal(sent[0]![1], JSON.stringify({ records: [reading] }));
    }
  });

  it('publishes nothing when the store fails', async () => {
    const sent: string[] = [];
    const handle = createHandler({ store: async () => ({ ok: false, error: { code: 'STORE_FAILED', message: 'x' } }), log: quiet, maxRecords: 10, publish: (t) => sent.push(t) });
    assert.equal((await handle(event(JSON.stringify({ records: [reading] })), createContext())).status, 503);
    assert.deepEqual(sent, []);
  });
});

describe('store-reading README', () => {
  it('has a row for every variable and the MQTT secret', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    for (const v of [...STORE_READING_VARIABLES, STORE_READING_MQTT_SECRET]) assert.match(readme, new RegExp(`^\\| \`${v}\` \\|`, 'm'), `README.md lacks ${v}`);
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

  describe('with the embedded broker', () => {
    let dir: string;
    let broker: RunningBroker;
    let publisher: MqttPublisher | undefined;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'store-reading-mqtt-'));
      await createDeviceRegistry(t.db).addDevice({ id: 4, name: 'plc-4', identityPublicKey: new Uint8Array(32).fill(2) });
      broker = await startBroker({
        port: 0,
        persistenceDir: join(dir, 'mqtt'),
        authenticate: async () => ok(undefined),
        gatewayPassword: 'gw-pass',
        functionPasswords: { 'store-reading': 'fn-pass' },
        log: quiet,
      });
    });
    afterEach(async () => {
      await publisher?.close(0);
      publisher = undefined;
    });
    after(async () => {
      await broker?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    const handlerWith = (p: MqttPublisher) => {
      const store = createReadingStore(t.db);
      return createHandler({ store: (r) => store.storeRecords(r), log: quiet, maxRecords: 100, publish: (topic, payload) => p.enqueue(topic, payload) });
    };

    it('publishes a committed batch on readings/{device}, as the store-reading user, to the gateway', async () => {
      const gateway = await mqtt.connectAsync(broker.url, { username: 'gateway', password: 'gw-pass', clientId: 'test-gateway', reconnectPeriod: 0 });
      try {
        const got: Array<{ topic: string; records: TextRecord[] }> = [];
        gateway.on('message', (topic, payload) => got.push({ topic, records: (JSON.parse(payload.toString('utf8')) as { records: TextRecord[] }).records }));
        await gateway.subscribeAsync('readings/+', { qos: 1 });
        publisher = createMqttPublisher({ url: broker.url, username: 'store-reading', password: 'fn-pass', clientId: 'test-store-reading', log: quiet, name: 'store-reading' });
        const cycle: TextRecord = { type: 'cycle', device: 4, seq: '1', keyId: 1, cycleStart: '2026-11-21T07:00:00.000Z', cycle: 1, phases: Array.from({ length: 5 }, () => [1, 2, 3, 4, 5]) };
        const batch = [{ ...reading, seq: '20' }, cycle];
        const res = await handlerWith(publisher)(event(JSON.stringify({ records: batch })), createContext());
        assert.equal(res.status, 200);
        assert.equal(await publisher.drained(10_000), true, 'the broker acknowledged');
        for (let i = 0; i < 200 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(
          got.sort((a, b) => a.topic.localeCompare(b.topic)),
          [
            { topic: 'readings/3', records: [{ ...reading, seq: '20' }] },
            { topic: 'readings/4', records: [cycle] },
          ],
        );
      } finally {
        await gateway.endAsync(true);
      }
    });

    it('stores while the broker is unreachable: the message waits in the queue', async () => {
      const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
      publisher = createMqttPublisher({ url: nowhere, username: 'store-reading', password: 'fn-pass', clientId: 'test-store-reading-down', log: quiet, name: 'store-reading' });
      const res = await handlerWith(publisher)(event(JSON.stringify({ records: [{ ...reading, seq: '30' }] })), createContext());
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { stored: 1, duplicates: 0, results: ['stored'] });
      const rows = await t.db.query<{ n: string }>("SELECT count(*)::text AS n FROM readings WHERE device_id = 3 AND seq = 30");
      assert.equal(rows.rows[0]?.n, '1');
      const { queued, published, dropped } = publisher.stats();
      assert.deepEqual({ queued, published, dropped }, { queued: 1, published: 0, dropped: 0 });
    });
  });
});
