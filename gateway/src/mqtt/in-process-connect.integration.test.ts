import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { connectAsync, type MqttClient } from 'mqtt';
import { Registry } from 'prom-client';
import { createLogger, ok } from '@typedcluster/core';
import { startBroker, type BrokerOptions, type RunningBroker } from '@typedcluster/broker';
import type { InvocationOutcome } from '../http/invoke-function.js';
import type { FunctionDefinition } from '../runtime/function-definition.js';
import { until } from '../testing/gateway-harness.js';
import type { ConnectorConfig } from './connector-config.js';
import { createMqttConnector, type MqttConnector } from './connector.js';
import { connectInProcess } from './in-process-connect.js';

// The real embedded broker (its logins, ACL and store) and the real
// connector reaching it over in-memory streams, as `typedcluster up` runs
// them; a device publishes over TCP with a real MQTT.js client.

const GATEWAY_PASSWORD = 'gateway-secret-123';
const DEVICE = { username: '7', password: 'password-of-device-7', clientId: 'device-7' };
const TOPIC = 'plc/7/cycle';
const quiet = createLogger('broker', { sink: () => undefined });

const fn: FunctionDefinition = {
  name: 'ingest',
  image: 'test',
  handlerPath: '/nowhere',
  handlerDir: '/nowhere',
  envVars: {},
  secrets: [],
  labels: {},
  annotations: { topic: 'plc/+/cycle' },
  execTimeoutMs: 5000,
};
const ok200: InvocationOutcome = { ok: true, status: 200, seconds: 0, response: { status: 200, headers: {}, body: Buffer.from('{}') } };

describe('connector over an in-process stream to the embedded broker @integration', function () {
  this.timeout(30_000);
  let dir: string;
  let brokers: RunningBroker[];
  let connector: MqttConnector | undefined;
  let device: MqttClient | undefined;
  let logs: string[];
  /** Bodies the connector invoked the function with, in order. */
  let invoked: string[];
  /** Streams each broker was handed by the connector. */
  let handed: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'in-process-connect-'));
    brokers = [];
    device = undefined;
    connector = undefined;
    logs = [];
    invoked = [];
    handed = 0;
  });

  afterEach(async () => {
    device?.end(true);
    await connector?.stop();
    for (const b of brokers) await b.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const broker = async (port = 0): Promise<RunningBroker> => {
    const opts: BrokerOptions = {
      port,
      persistenceDir: join(dir, 'mqtt'),
      authenticate: async (u, p) => ok(u === DEVICE.username && p === DEVICE.password ? 7 : undefined),
      gatewayPassword: GATEWAY_PASSWORD,
      log: quiet,
    };
    const b = await startBroker(opts);
    brokers.push(b);
    return b;
  };

  const startConnector = async (b: RunningBroker): Promise<MqttConnector> => {
    const config: ConnectorConfig = {
      url: b.url,
      username: 'gateway',
      password: GATEWAY_PASSWORD,
      clientId: 'typedcluster-gateway',
      maxAttempts: 3,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 200,
      inflight: 10,
      concurrency: 2,
      batchMax: 10,
      batchWaitMs: 0,
    };
    const c = createMqttConnector({
      config,
      functions: () => [fn],
      invoke: async (_name, req) => {
        invoked.push(req.body.toString());
        return ok200;
      },
      registry: new Registry(),
      log: createLogger('mqtt', { sink: (l) => logs.push(l) }),
      maxBodyBytes: 1024 * 1024,
      drainMs: 1000,
      connect: connectInProcess((s: Duplex) => {
        const taken = b.handle(s);
        if (taken) handed++;
        return taken;
      }),
    });
    await c.start();
    connector = c;
    return c;
  };

  const publish = async (b: RunningBroker, payload: string): Promise<void> => {
    device ??= await connectAsync(b.url, { ...DEVICE, protocolVersion: 4, reconnectPeriod: 0 });
    await device.publishAsync(TOPIC, payload, { qos: 1 }); // resolves on the broker's PUBACK
  };

  /** The log lines with this message (`… INFO mqtt: <msg> key=value …`). */
  const logged = (msg: string): string[] => logs.filter((l) => l.includes(`: ${msg} `) || l.endsWith(`: ${msg}`));

  it('logs in as the gateway, gets a device QoS 1 message and acknowledges it', async () => {
    const b = await broker();
    const c = await startConnector(b);
    assert.equal(c.stats().connected, true);
    assert.equal(handed, 1);
    const connected = logged('connected to the MQTT broker');
    assert.equal(connected.length, 1);
    assert.match(connected[0]!, / via=in-process /);
    assert.match(connected[0]!, / session=new /);

    await publish(b, 'frame-1');
    await until(() => invoked.includes('frame-1') && c.stats().unacked === 0, 5000);
    assert.deepEqual(invoked, ['frame-1']);
  });

  it('stopping the broker closes the connection; a new broker on its port is reached over TCP, session kept, nothing redelivered', async () => {
    const first = await broker();
    const c = await startConnector(first);
    await publish(first, 'before');
    await until(() => invoked.includes('before') && c.stats().unacked === 0, 5000);
    device?.end(true);
    device = undefined;

    await first.stop();
    await until(() => !c.stats().connected, 5000);
    assert.equal(logged('lost the MQTT broker; reconnecting with back-off').length, 1);

    const second = await broker(first.port);
    await until(() => c.stats().connected, 10_000);
    const reconnected = logged('connected to the MQTT broker')[1];
    assert.ok(reconnected, 'connected again');
    assert.doesNotMatch(reconnected, / via=/, 'the stopped broker takes no stream: TCP to its URL');
    assert.match(reconnected, / session=resumed /);
    assert.equal(handed, 1);

    // Had the PUBACK of `before` not reached the first broker, the second would redeliver it ahead of this one.
    await publish(second, 'after');
    await until(() => invoked.includes('after'), 5000);
    assert.deepEqual(invoked, ['before', 'after']);
  });
});
