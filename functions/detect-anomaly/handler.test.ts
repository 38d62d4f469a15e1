import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  createContext,
  createDeviceRegistry,
  createLogger,
  createPrng,
  createTestDatabase,
  freePort,
  ok,
  sampleNormalCycle,
  type CycleRecord,
  type FunctionEvent,
  type FunctionRuntime,
  type TestDatabase,
} from '@typedcluster/core';
import { createModelRegistry, createAutoencoder, useTfBackend } from '@typedcluster/detectors';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import mqtt from 'mqtt';
import { startPlainBroker, type PlainBroker } from '../../core/src/testing/plain-broker.js';
import type { AnomalyReport } from './cycle-report.js';
import { DETECT_CONFIG_VARIABLES } from './detect-config.js';
import { createHandler, type DetectDeps } from './handler.js';
import { defaultDetector, info, knownPlcFromRegistry, PLC_FEATURES, setup, teardown, type DetectRuntimeDeps } from './setup.js';

const quiet = createLogger('test', { sink: () => {} });
const schema = JSON.parse(readFileSync(new URL('../../docs/anomaly-report.schema.json', import.meta.url), 'utf8')) as object;
const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
const validate = addFormats(new Ajv({ allErrors: true, strict: false })).compile(schema);
const assertValid = (r: unknown) => assert.ok(validate(r), JSON.stringify(validate.errors));

const prng = createPrng(3);
const normalPhases = (): number[][] => sampleNormalCycle(() => prng.next());
/** s3 in phase 3 at 90, where 20..30 is normal. */
const anomalousPhases = (): number[][] => normalPhases().map((p, i) => (i === 2 ? p.map((v, s) => (s === 2 ? 90 : v)) : p));
const T0 = Date.parse('2026-11-21T07:00:00.000Z');
const at = (n: number) => new Date(T0 + n * 30_000).toISOString();

const cycleRecord = (plc: number, n: number, phases: (number | null)[][]): CycleRecord => ({ type: 'cycle', device: plc, seq: String(100 + n), keyId: 1, cycleStart: at(n), cycle: n, phases });
const event = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }, method = 'POST'): FunctionEvent => ({
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  headers,
  method,
  path: '/',
  query: {},
});

interface Answer {
  scored: number;
  anomalies: number;
  unusable: number;
  duplicates: number;
  reports: AnomalyReport[];
}

/** Deps with the real default detector and in-memory store and broker. */
async function memoryDeps(known = [7, 8]): Promise<{ deps: DetectDeps; stored: AnomalyReport[]; published: [string, string][] }> {
  const detector = await defaultDetector('phase-range');
  const stored: AnomalyReport[] = [];
  const published: [string, string][] = [];
  return {
    stored,
    published,
    deps: {
      model: () => ({ detector, ref: { detector: 'phase-range', version: null } }),
      knownPlc: async (id) => ok(known.includes(id)),
      store: async (r) => {
        stored.push(r);
        return ok('stored');
      },
      publish: async (t, p) => {
        published.push([t, p]);
        return ok(undefined);
      },
      log: quiet,
      maxRecords: 100,
    },
  };
}

describe('detect-anomaly with the default detector', () => {
  it('answers a 30-second block for several PLCs: anomaly reported, normal not', async () => {
    const { deps, stored, published } = await memoryDeps();
    const handle = createHandler(deps);
    const res = await handle(event({ cycleStart: at(0), plcs: [{ plc: 7, cycle: 0, phases: normalPhases() }, { plc: 8, cycle: 0, phases: anomalousPhases() }] }), createContext());
    assert.equal(res.status, 200);
    const body = res.body as Answer;
    assert.equal(body.scored, 2);
    assert.equal(body.anomalies, 1);
    for (const r of body.reports) assertValid(r);
    const [normal, anomaly] = body.reports;
    assert.equal(normal!.is_anomaly, false);
    assert.equal(anomaly!.is_anomaly, true);
    assert.equal(anomaly!.phase, 3);
    assert.deepEqual(anomaly!.affected_sensors, ['s3']);
    assert.equal(anomaly!.sensors[2]!.value, 90);
    assert.ok(anomaly!.sensors[2]!.expected_range![1] < 90);
    assert.deepEqual(stored.map((r) => r.plc_id), [8]);
    assert.deepEqual(published.map(([t]) => t), ['anomaly/8/report']);
  });

  it('reports unusable input with its reason: missing values, missing phases, unknown PLCs', async () => {
    const { deps, published } = await memoryDeps();
    const handle = createHandler(deps);
    const holes = normalPhases().map((p, i) => (i === 1 ? p.map((v, s) => (s === 0 ? null : v)) : p));
    const res = await handle(
      event({ cycleStart: at(0), plcs: [{ plc: 7, cycle: 0, phases: holes }, { plc: 8, cycle: 0, phases: normalPhases().slice(0, 3) }, { plc: 99, cycle: 0, phases: normalPhases() }] }),
      createContext(),
    );
    assert.equal(res.status, 200);
    const body = res.body as Answer;
    assert.deepEqual(body.reports.map((r) => [r.status, r.reason, r.is_anomaly]), [
      ['unusable', 'DETECTOR_INPUT_UNUSABLE', false],
      ['unusable', 'DETECTOR_INPUT_UNUSABLE', false],
      ['unusable', 'UNKNOWN_DEVICE', false],
    ]);
    assert.match(body.reports[1]!.message!, /5 phases of 5 sensors; got 5\/5\/5/);
    assert.match(body.reports[0]!.message!, /phase 2: s1 is missing/);
    for (const r of body.reports) assertValid(r);
    assert.equal(published.length, 3);
    assert.equal(res.headers['x-rejected'], 'DETECTOR_INPUT_UNUSABLE=2,UNKNOWN_DEVICE=1');
  });

  it('answers a redelivered cycle with the same report and skips older ones', async () => {
    const { deps, stored } = await memoryDeps();
    const handle = createHandler(deps);
    const body = { records: [cycleRecord(7, 1, anomalousPhases())] };
    const first = (await handle(event(body), createContext())).body as Answer;
    const again = (await handle(event(body), createContext())).body as Answer;
    assert.deepEqual(again.reports, first.reports);
    const older = (await handle(event({ records: [cycleRecord(7, 0, anomalousPhases())] }), createContext())).body as Answer;
    assert.equal(older.duplicates, 1);
    assert.equal(stored.length, 2, 'the same report stored twice is a no-op in PostgreSQL (UNIQUE)');
  });

  it('takes the connector\'s batch (a JSON array of text-stage messages) and answers it with counts only', async () => {
    const { deps, stored, published } = await memoryDeps();
    const handle = createHandler(deps);
    const batch = [{ records: [cycleRecord(7, 0, normalPhases()), cycleRecord(7, 1, anomalousPhases())] }, { records: [cycleRecord(8, 0, anomalousPhases())] }];
    const res = await handle(event(batch), createContext());
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { scored: 3, anomalies: 2, unusable: 0, duplicates: 0, readings: 0 });
    assert.deepEqual(stored.map((r) => [r.plc_id, r.cycle]), [[7, 1], [8, 0]]);
    assert.deepEqual(published.map(([t]) => t), ['anomaly/7/report', 'anomaly/8/report']);
  });

  it('stores and publishes on the retry an anomaly whose store failed while a later cycle was scored', async () => {
    const { deps, stored, published } = await memoryDeps();
    let failNext = true;
    const handle = createHandler({
      ...deps,
      store: async (r) => {
        if (failNext) {
          failNext = false;
          return { ok: false, error: { code: 'STORE_FAILED', message: 'down' } };
        }
        return deps.store(r);
      },
    });
    const batch = [{ records: [cycleRecord(7, 0, anomalousPhases()), cycleRecord(7, 1, normalPhases())] }];
    assert.equal((await handle(event(batch), createContext())).status, 503);
    const retry = await handle(event(batch), createContext());
    assert.equal(retry.status, 200);
    assert.deepEqual(stored.map((r) => [r.plc_id, r.cycle]), [[7, 0]], 'cycle 0 is owed although cycle 1 was scored');
    assert.deepEqual(published.map(([t]) => t), ['anomaly/7/report']);
    assert.deepEqual(retry.body, { scored: 2, anomalies: 1, unusable: 0, duplicates: 0, readings: 0 }, 'both reported again, as first scored');
  });

  it('refuses a batch with one bad message whole, naming it, so the connector splits it', async () => {
    const { deps, stored } = await memoryDeps();
    const res = await createHandler(deps)(event([{ records: [cycleRecord(7, 0, normalPhases())] }, { records: [cycleRecord(8, 0, normalPhases().slice(0, 3))] }]), createContext());
    assert.equal(res.status, 400);
    assert.match((res.body as { message: string }).message, /^\[1\]: records\[0\]/);
    assert.equal(stored.length, 0);
  });

  const bad: Array<[string, FunctionEvent, string]> = [
    ['GET', event('{}', {}, 'GET'), 'BAD_REQUEST'],
    ['not JSON', event('{"plcs":'), 'BAD_REQUEST'],
    ['no cycleStart', event({ plcs: [{ plc: 7, cycle: 0, phases: [] }] }), 'BAD_REQUEST'],
    ['bad plc', event({ cycleStart: at(0), plcs: [{ plc: 0, cycle: 0, phases: [] }] }), 'BAD_REQUEST'],
    ['a text-stage cycle with 3 phases', event({ records: [cycleRecord(7, 0, normalPhases().slice(0, 3))] }), 'BAD_REQUEST'],
    ['text in phases', event({ cycleStart: at(0), plcs: [{ plc: 7, cycle: 0, phases: [['x']] }] }), 'BAD_REQUEST'],
  ];
  for (const [name, ev, code] of bad) {
    it(`rejects ${name} with 400 ${code}`, async () => {
      const { deps, stored } = await memoryDeps();
      const res = await createHandler(deps)(ev, createContext());
      assert.equal(res.status, 400);
      assert.equal((res.body as { code: string }).code, code);
      assert.equal(stored.length, 0);
    });
  }

  it('answers 503 when the store fails, so the connector retries', async () => {
    const { deps } = await memoryDeps();
    const handle = createHandler({ ...deps, store: async () => ({ ok: false, error: { code: 'STORE_FAILED', message: 'down' } }) });
    const res = await handle(event({ records: [cycleRecord(7, 0, anomalousPhases())] }), createContext());
    assert.equal(res.status, 503);
  });

  it('the schema rejects a report without its verdict (the schema test can fail)', () => {
    const r: Record<string, unknown> = { timestamp: at(0), plc_id: 1, cycle: 0, phase: null, detector: 'x', model_version: null, status: 'unusable', reason: 'X', message: null, anomaly_score: null, threshold: null, is_anomaly: false, confidence: null, affected_sensors: [], sensors: [], phases: [] };
    assertValid(r);
    delete r['is_anomaly'];
    assert.equal(validate(r), false);
  });

  it('README.md has a row for every variable', () => {
    const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
    for (const v of DETECT_CONFIG_VARIABLES) assert.match(readme, new RegExp(`^\\| \`${v}\` \\|`, 'm'), `README.md lacks ${v}`);
  });
});

describe('detect-anomaly end to end @integration', function () {
  this.timeout(120_000);
  let t: TestDatabase;
  let broker: PlainBroker;
  let deps: DetectRuntimeDeps;
  let watcher: mqtt.MqttClient;
  const received: AnomalyReport[] = [];

  before(async () => {
    await useTfBackend();
    t = await createTestDatabase('detect_fn');
    for (const id of [7, 8]) await createDeviceRegistry(t.db).addDevice({ id, name: `plc-${id}`, identityPublicKey: new Uint8Array(32).fill(id) });
    const port = await freePort();
    broker = await startPlainBroker(port);
    const rt: FunctionRuntime = {
      name: 'detect-anomaly',
      env: { DATABASE_URL: t.url, MQTT_URL: `mqtt://127.0.0.1:${port}`, MODEL_POLL_INTERVAL: '1h' },
      log: quiet,
      fetch,
      now: Date.now,
      readSecret: () => 'unused-by-the-plain-broker',
      gatewayUrl: 'http://127.0.0.1:1',
    };
    deps = await setup(rt);
    watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'report-watcher' });
    watcher.on('message', (_t, p) => received.push(JSON.parse(p.toString()) as AnomalyReport));
    await watcher.subscribeAsync('anomaly/+/report', { qos: 1 });
  });
  after(async () => {
    await watcher?.endAsync();
    if (deps) await teardown(deps);
    await broker?.kill();
    await t?.drop();
  });

  const rows = () => t.db.query<{ plc_id: number; status: string; reason: string | null; detector: string; model_version: number | null; is_anomaly: boolean; report: AnomalyReport }>('SELECT plc_id, status, reason, detector, model_version, is_anomaly, report FROM anomaly_reports ORDER BY id');
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  };

  it('injected anomaly → a report on the topic and in the table; normal → none', async () => {
    const handle = createHandler(deps);
    const text = { 'content-type': 'application/octet-stream', 'x-topic': 'readings/7' };
    await handle(event({ records: [cycleRecord(7, 0, normalPhases()), cycleRecord(7, 1, normalPhases())] }, text), createContext());
    const res = await handle(event({ records: [cycleRecord(8, 2, anomalousPhases())] }, { ...text, 'x-topic': 'readings/8' }), createContext());
    assert.equal(res.status, 200);
    await until(() => received.length >= 1);
    assert.deepEqual(received.map((r) => [r.plc_id, r.is_anomaly, r.detector]), [[8, true, 'phase-range']]);
    assertValid(received[0]);
    const r = await rows();
    assert.deepEqual(r.rows.map((x) => [x.plc_id, x.status, x.is_anomaly]), [[8, 'scored', true]]);
    assert.deepEqual(r.rows[0]!.report, received[0]);
    // The same message again (a redelivery): no second row.
    await handle(event({ records: [cycleRecord(8, 2, anomalousPhases())] }, text), createContext());
    assert.equal((await rows()).rowCount, 1);
  });

  it('declares its TensorFlow.js backend and model for the gateway\'s /system/info', async () => {
    assert.deepEqual(info(deps), { tfBackend: (await useTfBackend()).name, model: 'phase-range (default)' });
  });

  it('sees a PLC revoked after it was cached as known once the cache entry expires', async () => {
    const registry = createDeviceRegistry(t.db);
    assert.ok((await registry.addDevice({ id: 9, name: 'plc-9', identityPublicKey: new Uint8Array(32).fill(9) })).ok);
    let clock = 1_000;
    const known = knownPlcFromRegistry(t.db, () => clock, 60_000);
    assert.deepEqual(await known(9), { ok: true, value: true });
    assert.ok((await registry.revokeDevice(9)).ok);
    clock += 59_000;
    assert.deepEqual(await known(9), { ok: true, value: true }, 'still cached');
    clock += 2_000;
    assert.deepEqual(await known(9), { ok: true, value: false }, 'revoked, seen after the cache entry expired');
    assert.deepEqual(await known(4242), { ok: true, value: false });
  });

  it('unusable input → an unusable report, stored and published', async () => {
    const handle = createHandler(deps);
    const holes = normalPhases().map((p, i) => (i === 4 ? p.map(() => null) : p));
    await handle(event({ records: [cycleRecord(7, 3, holes)] }), createContext());
    await until(() => received.some((r) => r.status === 'unusable'));
    const unusable = received.find((r) => r.status === 'unusable');
    assert.equal(unusable?.reason, 'DETECTOR_INPUT_UNUSABLE');
    assert.equal(unusable?.phase, 5);
    const r = await rows();
    assert.deepEqual(r.rows.map((x) => x.status), ['scored', 'unusable']);
  });

  it('hot-reloads an activated model: later reports name it and its version', async () => {
    const ae = createAutoencoder('dense', { seed: 5, network: { maxEpochs: 8 } });
    const train = Array.from({ length: 80 }, () => normalPhases()).flatMap((ph) => ph.map((values, p) => ({ group: p + 1, values })));
    await ae.fit([train], { features: PLC_FEATURES });
    const saved = await createModelRegistry(t.db).save({ artefact: ae.save(), activate: true });
    assert.ok(saved.ok);
    assert.equal(await deps.active.check(), undefined);
    const handle = createHandler(deps);
    const res = await handle(event({ cycleStart: at(10), plcs: [{ plc: 7, cycle: 10, phases: anomalousPhases() }] }), createContext());
    const report = (res.body as Answer).reports[0]!;
    assert.equal(report.detector, 'dense-autoencoder');
    assert.equal(report.model_version, saved.value.version);
    assert.equal(report.is_anomaly, true);
    assertValid(report);
    const r = await rows();
    assert.deepEqual(r.rows.at(-1)!.detector, 'dense-autoencoder');
    assert.deepEqual(r.rows.at(-1)!.model_version, saved.value.version);
  });
});
