import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { createLogger, TOPICS } from '@typedcluster/core';
import { startGateway, type RunningGateway } from '../server.js';
import { until } from '../testing/gateway-harness.js';
import * as mqttTarget from '../../test-fixtures/mqtt-target/handler.js';
import type { Rule } from '../../test-fixtures/mqtt-target/handler.js';
import type { DeadLetter } from './dead-letter.js';

// A real broker (Aedes on a TCP port), the real gateway running the
// mqtt-target fixture in its own processes, and real MQTT clients.
void mqttTarget; // puts the fixture under tsc

const STACK_FILE = fileURLToPath(new URL('../../test-fixtures/mqtt-stack.yml', import.meta.url));

interface Ack { readonly topic: string; readonly payload: string; readonly client: string; readonly at: number }
interface Report { readonly fn: string; readonly batch: boolean; readonly topic?: string; readonly ids: string[]; readonly phase: 'start' | 'end'; readonly at: number }
interface Letter { readonly topic: string; readonly letter: DeadLetter; readonly at: number }

class TestBroker {
  readonly acks: Ack[] = [];
  /** When the broker received each dead letter (before it acknowledged it to the gateway). */
  readonly deadLetterReceived: Array<{ id: string; at: number }> = [];
  private aedes: Aedes | undefined;
  private server: ReturnType<typeof createNetServer> | undefined;
  private port = 0;
  /** Client ids whose CONNECT is refused while listed (an unreachable broker, without losing its sessions). */
  readonly refused = new Set<string>();
  private readonly clients = new Map<string, { close(): void }>();
  /** The filters each client subscribed to since the broker last (re)started. */
  readonly subscribed = new Map<string, Set<string>>();

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestBroker> {
    const b = new TestBroker();
    await b.restart();
    return b;
  }

  /** Starts a fresh broker (no sessions kept) on the same port. */
  async restart(): Promise<void> {
    const aedes = await Aedes.createBroker({
      preConnect: (_client, packet, callback) => callback(null, !this.refused.has(packet.clientId)),
      // Called as a PUBLISH arrives, before the broker's PUBACK.
      authorizePublish: (_client, packet, callback) => {
        if (packet.topic.startsWith('typedcluster/dead-letter/')) this.deadLetterReceived.push({ id: ruleOf(JSON.parse(String(packet.payload)) as DeadLetter).id, at: Date.now() });
        callback(null);
      },
    });
    aedes.on('client', (client) => this.clients.set(client.id, client));
    this.subscribed.clear();
    aedes.on('subscribe', (subs, client) => {
      const filters = this.subscribed.get(client.id) ?? new Set<string>();
      for (const sub of subs) filters.add(sub.topic);
      this.subscribed.set(client.id, filters);
    });
    aedes.on('ack', (packet, client) => {
      if (packet.cmd === 'publish') this.acks.push({ topic: packet.topic, payload: String(packet.payload), client: client.id, at: Date.now() });
    });
    // As a broker should be set up: no Nagle delay on small packets (the
    // connector acknowledges late, so no PUBACK carries the TCP ACK back).
    const server = createNetServer({ noDelay: true }, aedes.handle);
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.aedes = aedes;
    this.server = server;
  }

  /** Drops a client's connection; its session stays. */
  drop(clientId: string): void {
    this.clients.get(clientId)?.close();
  }

  acksOf(id: string): Ack[] {
    return this.acks.filter((a) => a.payload.includes(`"id":"${id}"`));
  }

  async close(): Promise<void> {
    const { aedes, server } = this;
    this.aedes = undefined;
    this.server = undefined;
    if (aedes) await new Promise<void>((r) => aedes.close(() => r()));
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Collects what the fixture functions report about each invocation. */
class Reports {
  readonly all: Report[] = [];
  private constructor(private readonly server: HttpServer, readonly url: string) {}

  static async start(): Promise<Reports> {
    let self: Reports | undefined;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        self!.all.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Report);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new Reports(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/report`);
    return self;
  }

  /** Invocations of `fn` that included `id` and ended (or started). */
  of(fn: string, id: string, phase: Report['phase'] = 'end'): Report[] {
    return this.all.filter((r) => r.fn === fn && r.phase === phase && r.ids.includes(id));
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const ruleOf = (letter: DeadLetter): Rule => JSON.parse(Buffer.from(letter.payload, 'base64').toString('utf8')) as Rule;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const newId = (what: string): string => `${what}-${++seq}-${process.pid}`;

async function subscriber(url: string): Promise<{ client: MqttClient; letters: Letter[] }> {
  const client = await connectAsync(url, { clientId: `test-dl-${process.pid}`, clean: true });
  const letters: Letter[] = [];
  client.on('message', (topic, payload) => letters.push({ topic, letter: JSON.parse(payload.toString('utf8')) as DeadLetter, at: Date.now() }));
  await client.subscribeAsync(TOPICS.deadLetter('#'), { qos: 1 });
  return { client, letters };
}

interface GatewayOptions {
  readonly broker: TestBroker;
  readonly reports: Reports;
  readonly clientId: string;
  readonly env?: Record<string, string>;
  readonly delayFactor?: number;
}

function gatewayStarter(logs: string[]) {
  const dirs: string[] = [];
  const start = async (o: GatewayOptions): Promise<RunningGateway> => {
    const secrets = mkdtempSync(join(tmpdir(), 'gw-mqtt-'));
    dirs.push(secrets);
    return startGateway({
      env: {
        PORT: '0',
        STACK_FILE,
        SECRETS_DIR: secrets,
        BASIC_AUTH: 'false',
        READY_WAIT: '10s',
        RESTART_BACKOFF_MAX: '1s',
        SHUTDOWN_TIMEOUT: '1s',
        MQTT_URL: o.broker.url,
        MQTT_PASSWORD: 'unused-by-this-broker',
        MQTT_CLIENT_ID: o.clientId,
        MQTT_MAX_ATTEMPTS: '3',
        MQTT_RETRY_BACKOFF: '20ms',
        MQTT_RETRY_BACKOFF_MAX: '80ms',
        MQTT_BATCH_WAIT: '30ms',
        ...o.env,
      },
      functionEnv: { REPORT_URL: o.reports.url, DELAY_FACTOR: String(o.delayFactor ?? 1) },
      log: createLogger('gateway', { sink: (l) => logs.push(l) }),
    });
  };
  const cleanup = () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  };
  return { start, cleanup };
}

async function metricValue(gw: RunningGateway, series: string): Promise<number> {
  const text = await gw.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('MQTT connector: routing, acknowledgement, retries, dead letters, batches @integration', function () {
  this.timeout(30_000);
  let broker: TestBroker;
  let reports: Reports;
  let gw: RunningGateway;
  let publisher: MqttClient;
  let dead: { client: MqttClient; letters: Letter[] };
  const logs: string[] = [];
  const gateways = gatewayStarter(logs);
  const CLIENT = 'gw-main';

  const publish = async (topic: string, rule: Rule): Promise<string> => {
    const payload = JSON.stringify(rule);
    await publisher.publishAsync(topic, payload, { qos: 1 });
    return payload;
  };
  const acked = (id: string) => until(() => broker.acksOf(id).length > 0, 10_000);
  const lettersOf = (id: string) => dead.letters.filter((l) => ruleOf(l.letter).id === id);

  before(async () => {
    broker = await TestBroker.start();
    reports = await Reports.start();
    gw = await gateways.start({ broker, reports, clientId: CLIENT });
    publisher = await connectAsync(broker.url, { clientId: `test-pub-${process.pid}`, clean: true });
    dead = await subscriber(broker.url);
  });

  after(async () => {
    await gw?.close();
    await publisher?.endAsync();
    await dead?.client.endAsync();
    await reports?.close();
    await broker?.close();
    gateways.cleanup();
  });

  it('subscribes to every filter of the topic annotations and reports itself connected', async () => {
    assert.deepEqual([...gw.connector!.routes().filters].sort(), ['batch/+', 'plc/+/cycle', 'site/#', 'site/shared']);
    assert.equal(await metricValue(gw, 'typedcluster_mqtt_connected'), 1);
  });

  it('invokes every function whose filters match: + and # wildcards, comma lists, X-Topic passed', async () => {
    const plc = newId('plc');
    const deep = newId('deep');
    const shared = newId('shared');
    const other = newId('other');
    const extra = newId('extra');
    await publish('plc/7/cycle', { id: plc });
    await publish('site/a/b', { id: deep });
    await publish('site/shared', { id: shared });
    await publish('other/x', { id: other });
    await publish('plc/7/cycle/extra', { id: extra });
    await Promise.all([acked(plc), acked(deep), acked(shared)]);
    await sleep(100);

    assert.deepEqual(reports.of('alpha', plc).map((r) => r.topic), ['plc/7/cycle']);
    assert.deepEqual(reports.of('alpha', deep).map((r) => r.topic), ['site/a/b']);
    assert.deepEqual(reports.of('alpha', shared).map((r) => r.topic), ['site/shared']);
    assert.deepEqual(reports.of('beta', shared).map((r) => r.topic), ['site/shared']);
    assert.equal(reports.of('beta', plc).length + reports.of('beta', deep).length, 0);
    for (const id of [other, extra]) assert.equal(reports.all.filter((r) => r.ids.includes(id)).length, 0, `${id} matched no filter`);
    for (const id of [plc, deep, shared]) {
      assert.equal(broker.acksOf(id).length, 1, `${id} acknowledged once`);
      assert.equal(broker.acksOf(id)[0]!.client, CLIENT);
    }
  });

  it('acknowledges a message that went to two functions only when both are done', async () => {
    const id = newId('both');
    await publish('site/shared', { id, only: 'beta', delayMs: 500 });
    await acked(id);
    const alphaEnd = reports.of('alpha', id)[0]!.at;
    const betaEnd = reports.of('beta', id)[0]!.at;
    assert.ok(betaEnd - alphaEnd >= 300, 'alpha answered long before beta');
    assert.ok(broker.acksOf(id)[0]!.at >= betaEnd, 'the PUBACK came after the slower function answered');
    assert.equal(broker.acksOf(id).length, 1);
  });

  it('retries a message that fails (500) and acknowledges it once the function answers 2xx', async () => {
    const retriedBefore = await metricValue(gw, 'typedcluster_mqtt_messages_total{function_name="alpha",outcome="retried"}');
    const id = newId('flaky');
    await publish('plc/1/cycle', { id, status: 500, code: 'HANDLER_FAILED', times: 2 });
    await acked(id);
    assert.equal(reports.of('alpha', id).length, 3);
    assert.equal(lettersOf(id).length, 0);
    assert.equal((await metricValue(gw, 'typedcluster_mqtt_messages_total{function_name="alpha",outcome="retried"}')) - retriedBefore, 2);
  });

  it('dead-letters a message that always fails (500) after MQTT_MAX_ATTEMPTS, with the documented JSON, then acknowledges it', async () => {
    const id = newId('poison');
    const t0 = Date.now();
    const payload = await publish('plc/2/cycle', { id, status: 500, code: 'HANDLER_FAILED' });
    await until(() => lettersOf(id).length > 0, 10_000);
    await acked(id);
    const { topic, letter } = lettersOf(id)[0]!;
    assert.equal(topic, 'typedcluster/dead-letter/alpha');
    assert.deepEqual(Object.keys(letter), ['function', 'topic', 'code', 'reason', 'status', 'attempts', 'firstAttemptAt', 'lastAttemptAt', 'payload']);
    assert.deepEqual(
      { ...letter, firstAttemptAt: '', lastAttemptAt: '' },
      { function: 'alpha', topic: 'plc/2/cycle', code: 'HANDLER_FAILED', reason: `rule of ${id}`, status: 500, attempts: 3, firstAttemptAt: '', lastAttemptAt: '', payload: Buffer.from(payload).toString('base64') },
    );
    const first = Date.parse(letter.firstAttemptAt);
    const last = Date.parse(letter.lastAttemptAt);
    assert.ok(first >= t0 - 5 && last > first && new Date(first).toISOString() === letter.firstAttemptAt);
    assert.equal(reports.of('alpha', id).length, 3);
    const received = broker.deadLetterReceived.find((d) => d.id === id)!;
    assert.ok(broker.acksOf(id)[0]!.at >= received.at, 'acknowledged after the broker had the dead letter');
    assert.equal(broker.acksOf(id).length, 1);
    assert.ok((await metricValue(gw, 'typedcluster_mqtt_dead_letters_total{function_name="alpha",code="HANDLER_FAILED"}')) >= 1);
  });

  it('dead-letters a message its function rejects (4xx) at once', async () => {
    const id = newId('bad');
    await publish('plc/3/cycle', { id, status: 400, code: 'BAD_MAGIC' });
    await until(() => lettersOf(id).length > 0, 10_000);
    await acked(id);
    const { letter } = lettersOf(id)[0]!;
    assert.equal(letter.code, 'BAD_MAGIC');
    assert.equal(letter.status, 400);
    assert.equal(letter.attempts, 1);
    assert.equal(letter.firstAttemptAt, letter.lastAttemptAt);
    assert.equal(reports.of('alpha', id).length, 1);
  });

  it('acknowledges 409 REPLAY as done, but dead-letters another 409', async () => {
    const replay = newId('replay');
    const keyInUse = newId('keyid');
    await publish('plc/4/cycle', { id: replay, status: 409, code: 'REPLAY' });
    await publish('plc/4/cycle', { id: keyInUse, status: 409, code: 'KEY_ID_IN_USE' });
    await Promise.all([acked(replay), acked(keyInUse)]);
    await until(() => lettersOf(keyInUse).length > 0);
    assert.equal(lettersOf(replay).length, 0);
    assert.equal(reports.of('alpha', replay).length, 1);
    assert.equal(lettersOf(keyInUse)[0]!.letter.code, 'KEY_ID_IN_USE');
    assert.ok((await metricValue(gw, 'typedcluster_mqtt_messages_total{function_name="alpha",outcome="replay"}')) >= 1);
  });

  it('retries outages (503, 502 UPSTREAM_FAILED, 429) beyond MQTT_MAX_ATTEMPTS, never dead-letters them, and delivers once the function recovers', async () => {
    const down = newId('down');
    const upstream = newId('upstream');
    const busy = newId('busy');
    await publish('plc/5/cycle', { id: down, status: 503, code: 'DATABASE_UNREACHABLE', times: 6 });
    await publish('plc/6/cycle', { id: upstream, status: 502, code: 'UPSTREAM_FAILED', times: 5 });
    await publish('plc/7/cycle', { id: busy, status: 429, code: 'QUEUE_FULL', times: 4 });
    await Promise.all([acked(down), acked(upstream), acked(busy)]);
    assert.equal(reports.of('alpha', down).length, 7);
    assert.equal(reports.of('alpha', upstream).length, 6);
    assert.equal(reports.of('alpha', busy).length, 5);
    await sleep(50);
    assert.equal(lettersOf(down).length + lettersOf(upstream).length + lettersOf(busy).length, 0);
  });

  it('batches messages for a frames function and maps the per-frame results back by index', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => newId(`b${i % 3}`));
    const rules: Rule[] = ids.map((id) => ({ id }));
    rules[5] = { id: ids[5]!, status: 400, code: 'BAD_MAGIC' };
    rules[6] = { id: ids[6]!, status: 409, code: 'REPLAY' };
    rules[7] = { id: ids[7]!, status: 503, code: 'STORE_FAILED', times: 1 };
    await Promise.all(rules.map((r, i) => publish(`batch/${i % 3}`, r)));
    await Promise.all(ids.map(acked));
    await until(() => lettersOf(ids[5]!).length > 0);

    const batches = reports.all.filter((r) => r.fn === 'batcher' && r.phase === 'end' && r.ids.some((id) => ids.includes(id)));
    assert.ok(batches.every((b) => b.batch), 'every invocation was a frames batch');
    assert.ok(batches.length < 20, `30 messages took ${batches.length} invocations`);
    assert.ok(Math.max(...batches.map((b) => b.ids.length)) > 3);
    assert.deepEqual(dead.letters.filter((l) => ids.includes(ruleOf(l.letter).id)).map((l) => [ruleOf(l.letter).id, l.letter.code, l.letter.attempts, l.letter.function]), [[ids[5], 'BAD_MAGIC', 1, 'batcher']]);
    assert.equal(reports.of('batcher', ids[7]!).length, 2, 'the 503 frame went again');
    for (const id of ids.filter((_, i) => i !== 7)) assert.equal(reports.of('batcher', id).length, 1, `${id} invoked once`);
    for (const id of ids) assert.equal(broker.acksOf(id).length, 1);
    // Per topic, messages went out in the order they were published.
    for (let t = 0; t < 3; t++) {
      const mine = ids.filter((_, i) => i % 3 === t);
      const seen = [...new Set(batches.flatMap((b) => b.ids).filter((id) => mine.includes(id)))];
      assert.deepEqual(seen, mine);
    }
  });

  it('isolates a poison message in a batch: the batch is retried one message at a time and only the poison one is dead-lettered', async () => {
    const ids = Array.from({ length: 8 }, () => newId('iso'));
    const rules: Rule[] = ids.map((id, i) => (i === 3 ? { id, throw: true } : { id }));
    await Promise.all(rules.map((r) => publish('batch/9', r)));
    await Promise.all(ids.map(acked));
    await until(() => lettersOf(ids[3]!).length > 0);
    const { letter } = lettersOf(ids[3]!)[0]!;
    assert.equal(letter.code, 'HANDLER_FAILED');
    assert.equal(letter.status, 500);
    // The failed batch, then MQTT_MAX_ATTEMPTS tries alone.
    assert.equal(letter.attempts, 1 + 3);
    assert.equal(reports.of('batcher', ids[3]!).filter((r) => !r.batch).length, 3);
    for (const id of ids.filter((_, i) => i !== 3)) {
      assert.equal(lettersOf(id).length, 0);
      assert.equal(broker.acksOf(id).length, 1);
    }
    const firstBatch = reports.all.find((r) => r.fn === 'batcher' && r.phase === 'end' && r.ids.includes(ids[0]!))!;
    assert.ok(firstBatch.batch && firstBatch.ids.length > 1, 'they went as one batch first');
  });

  it('follows deploy and remove through the API: a new function\'s topics are subscribed, a removed one\'s are not', async () => {
    const deploy = await fetch(`${gw.url}/system/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'gamma', image: 'typedcluster/mqtt-target:test', labels: { 'com.typedcluster.handler': 'alpha' }, annotations: { topic: 'gamma/+' } }),
    });
    assert.equal(deploy.status, 202);
    await until(() => gw.connector!.routes().filters.includes('gamma/+'));
    const id = newId('gamma');
    await publish('gamma/1', { id });
    await acked(id);
    assert.deepEqual(reports.of('gamma', id).map((r) => r.topic), ['gamma/1']);

    const remove = await fetch(`${gw.url}/system/functions`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'gamma' }) });
    assert.equal(remove.status, 202);
    assert.ok(!gw.connector!.routes().filters.includes('gamma/+'));
    await sleep(100); // the UNSUBSCRIBE reaches the broker
    const after = newId('gamma-gone');
    await publish('gamma/1', { id: after });
    await sleep(200);
    assert.equal(broker.acksOf(after).length, 0, 'no longer delivered to the gateway');
    assert.equal(reports.all.filter((r) => r.ids.includes(after)).length, 0);
  });

  it('exposes its metrics in the gateway registry, and OpenFaaS counts its invocations', async () => {
    const text = await gw.metrics.registry.metrics();
    for (const name of ['typedcluster_mqtt_messages_total', 'typedcluster_mqtt_inflight', 'typedcluster_mqtt_dead_letters_total', 'typedcluster_mqtt_connected']) assert.ok(text.includes(`# TYPE ${name} `), name);
    assert.ok((await metricValue(gw, 'typedcluster_mqtt_messages_total{function_name="batcher",outcome="done"}')) >= 30);
    assert.equal(await metricValue(gw, 'typedcluster_mqtt_inflight'), 0);
    assert.ok(gw.metrics.invocationCount('alpha') > 10);
  });
});

describe('MQTT connector: acknowledgement across restarts, and the in-flight window @integration', function () {
  this.timeout(30_000);
  let broker: TestBroker;
  let reports: Reports;
  let publisher: MqttClient;
  const logs: string[] = [];
  const gateways = gatewayStarter(logs);
  const running: RunningGateway[] = [];
  const start = async (o: Omit<GatewayOptions, 'broker' | 'reports'>): Promise<RunningGateway> => {
    const gw = await gateways.start({ broker, reports, ...o });
    running.push(gw);
    return gw;
  };

  before(async () => {
    broker = await TestBroker.start();
    reports = await Reports.start();
    publisher = await connectAsync(broker.url, { clientId: `test-pub2-${process.pid}`, clean: true, reconnectPeriod: 50 });
  });

  after(async () => {
    for (const gw of running) await gw.close();
    await publisher?.endAsync();
    await reports?.close();
    await broker?.close();
    gateways.cleanup();
  });

  it('withholds the PUBACK until the function answered 2xx: a gateway stopped before that gets the message again in its next session', async () => {
    const first = await start({ clientId: 'gw-restart', env: { SHUTDOWN_TIMEOUT: '300ms' } });
    const id = newId('restart');
    await publisher.publishAsync('plc/9/cycle', JSON.stringify({ id, delayMs: 5000 }), { qos: 1 });
    await until(() => reports.of('alpha', id, 'start').length === 1, 5000);
    await sleep(100);
    assert.equal(broker.acksOf(id).length, 0, 'not acknowledged while the function works');
    await first.close();
    assert.equal(broker.acksOf(id).length, 0, 'not acknowledged by a gateway that stopped first');
    assert.equal(reports.of('alpha', id).length, 0, 'the function never answered');

    const second = await start({ clientId: 'gw-restart', delayFactor: 0 });
    await until(() => broker.acksOf(id).length > 0, 10_000);
    assert.equal(reports.of('alpha', id).length, 1, 'the next session got it and the function answered');
    assert.equal(broker.acksOf(id).length, 1);
    assert.ok(logs.some((l) => l.includes('connected to the MQTT broker') && l.includes('session=resumed')));
    await second.close();
  });

  it('holds at most MQTT_INFLIGHT messages; the broker keeps the rest until a slot frees', async () => {
    const gw = await start({ clientId: 'gw-window', env: { MQTT_INFLIGHT: '4', MQTT_CONCURRENCY: '16' } });
    const ids = Array.from({ length: 16 }, () => newId('win'));
    let gaugeMax = 0;
    const sampler = setInterval(() => {
      void metricValue(gw, 'typedcluster_mqtt_inflight').then((v) => (gaugeMax = Math.max(gaugeMax, v)));
    }, 10);
    await Promise.all(ids.map((id, i) => publisher.publishAsync(`plc/${100 + i}/cycle`, JSON.stringify({ id, delayMs: 150 }), { qos: 1 })));
    await until(() => ids.every((id) => broker.acksOf(id).length === 1), 15_000);
    clearInterval(sampler);
    assert.equal(gw.connector!.stats().maxHeld, 4);
    assert.ok(gaugeMax <= 4 && gaugeMax >= 3, `gauge peaked at ${gaugeMax}`);
    // Never more than 4 invocations at once, although 16 would be allowed.
    const events = reports.all.filter((r) => r.fn === 'alpha' && ids.includes(r.ids[0]!)).sort((a, b) => a.at - b.at || (a.phase === 'end' ? -1 : 1));
    let open = 0;
    let peak = 0;
    for (const e of events) peak = Math.max(peak, (open += e.phase === 'start' ? 1 : -1));
    assert.ok(peak <= 4, `${peak} invocations at once`);
    assert.equal(events.filter((e) => e.phase === 'end').length, 16);
  });

  it('unsubscribes, on reconnecting, the filters of a function removed while the broker was unreachable (the session kept them)', async () => {
    const gw = await start({ clientId: 'gw-stale' });
    const deploy = await fetch(`${gw.url}/system/functions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ service: 'delta', image: 'typedcluster/mqtt-target:test', labels: { 'com.typedcluster.handler': 'alpha' }, annotations: { topic: 'delta/+' } }),
    });
    assert.equal(deploy.status, 202);
    await until(() => gw.connector!.routes().filters.includes('delta/+') && gw.connector!.stats().connected);
    await sleep(100); // the SUBSCRIBE reaches the broker
    broker.refused.add('gw-stale');
    broker.drop('gw-stale');
    await until(() => !gw.connector!.stats().connected);
    const remove = await fetch(`${gw.url}/system/functions`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'delta' }) });
    assert.equal(remove.status, 202);
    broker.refused.delete('gw-stale');
    await until(() => gw.connector!.stats().connected, 5000);
    await sleep(100); // the UNSUBSCRIBE reaches the broker
    const id = newId('delta-gone');
    await publisher.publishAsync('delta/1', JSON.stringify({ id }), { qos: 1 });
    await sleep(300);
    assert.equal(broker.acksOf(id).filter((a) => a.client === 'gw-stale').length, 0, 'no longer delivered to the gateway');
  });

  it('reconnects with back-off when the broker goes away, logging each state change once, and delivers again', async () => {
    const own: string[] = [];
    const starter = gatewayStarter(own);
    const gw = await starter.start({ broker, reports, clientId: 'gw-reconnect' });
    running.push(gw);
    try {
      await broker.close();
      await until(() => !gw.connector!.stats().connected);
      assert.equal(await metricValue(gw, 'typedcluster_mqtt_connected'), 0);
      await sleep(600); // several attempts at MQTT_RETRY_BACKOFF_MAX=80ms
      await broker.restart();
      await until(() => gw.connector!.stats().connected && publisher.connected, 5000);
      assert.equal(await metricValue(gw, 'typedcluster_mqtt_connected'), 1);
      // The restarted broker kept no session: a message published before the gateway's
      // SUBSCRIBE arrives has no subscriber (under load, CONNACK and SUBSCRIBE can be far apart).
      await until(() => broker.subscribed.get('gw-reconnect')?.has('plc/+/cycle') === true, 5000);
      const id = newId('again');
      await publisher.publishAsync('plc/11/cycle', JSON.stringify({ id }), { qos: 1 });
      await until(() => broker.acksOf(id).length === 1, 5000);
      const mqttLines = own.filter((l) => l.includes('gateway/mqtt:'));
      assert.equal(mqttLines.filter((l) => l.includes('lost the MQTT broker')).length, 1);
      assert.equal(mqttLines.filter((l) => l.includes('not reachable')).length, 1, mqttLines.join('\n'));
      assert.equal(mqttLines.filter((l) => l.includes('connected to the MQTT broker')).length, 2);
    } finally {
      starter.cleanup();
    }
  });
});
