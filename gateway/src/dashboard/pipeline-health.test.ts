import assert from 'node:assert/strict';
import { Counter, Gauge, Registry } from 'prom-client';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { createConnectorMetrics } from '../mqtt/connector-metrics.js';
import { createHealthTracker } from './pipeline-health.js';

describe('dashboard: pipeline health from the metrics', () => {
  it('totals and per-second rates of invocations, rejections by reason and dead letters', async () => {
    const registry = new Registry();
    const gw = createGatewayMetrics(registry);
    const mqtt = createConnectorMetrics(registry);
    new Gauge({ name: 'typedcluster_broker_clients_connected', help: 'x', registers: [registry] }).set(4);
    const refused = new Counter({ name: 'typedcluster_broker_refused_total', help: 'x', labelNames: ['reason'], registers: [registry] });
    let now = 1_000_000;
    const snapshot = createHealthTracker(registry, () => now);
    gw.invocationDone('ingest-binary', 200, 0.01);
    gw.countRejections('ingest-binary', 'BAD_MAGIC=2');
    const first = await snapshot();
    assert.equal(first.intervalS, 0);
    assert.deepEqual(first.invocations, [{ fn: 'ingest-binary', total: 1, perSec: 0, errorsPerSec: 0 }]);

    now += 2000;
    for (let i = 0; i < 10; i++) gw.invocationDone('ingest-binary', 200, 0.01);
    gw.invocationDone('ingest-binary', 502, 0.01);
    gw.countRejections('verify-and-decrypt', 'BAD_MAGIC=1,BAD_SIGNATURE=3');
    mqtt.deadLetter('ingest-binary', 'BAD_MAGIC');
    mqtt.deadLetter('ingest-binary', 'BAD_MAGIC');
    mqtt.setConnected(true);
    mqtt.message('ingest-binary', 'done');
    refused.inc({ reason: 'auth' }, 4);
    gw.setAvailable('ingest-binary', 1);
    gw.restarted('ingest-binary', 'crash');
    const h = await snapshot();
    assert.equal(h.intervalS, 2);
    assert.deepEqual(h.invocations, [{ fn: 'ingest-binary', total: 12, perSec: 5.5, errorsPerSec: 0.5 }]);
    assert.deepEqual(h.rejections, [
      { reason: 'BAD_MAGIC', total: 3, perSec: 0.5 },
      { reason: 'BAD_SIGNATURE', total: 3, perSec: 1.5 },
    ]);
    assert.deepEqual(h.deadLetters, [{ fn: 'ingest-binary', code: 'BAD_MAGIC', total: 2, perSec: 1 }]);
    assert.deepEqual(h.functions, [{ fn: 'ingest-binary', ready: 1, restarts: 1 }]);
    assert.equal(h.mqtt.connected, 1);
    assert.equal(h.mqtt.messagesPerSec, 0.5);
    assert.deepEqual(h.broker, { clients: 4, refusedPerSec: 2 });
  });

  it('shows no MQTT or broker figures where there is none', async () => {
    const h = await createHealthTracker(new Registry(), () => 0)();
    assert.deepEqual([h.mqtt.connected, h.broker.clients, h.invocations.length], [null, null, 0]);
  });
});
