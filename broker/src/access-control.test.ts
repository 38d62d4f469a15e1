import assert from 'node:assert/strict';
import { mayPublish, maySubscribe, type BrokerUser } from './access-control.js';

const device7: BrokerUser = { kind: 'device', deviceId: 7 };
const gateway: BrokerUser = { kind: 'gateway' };
const msg = (topic: string, qos = 1, retain = false) => ({ topic, qos, retain });

describe('broker access control', () => {
  it('lets a device publish its own two topics at QoS 0 or 1', () => {
    for (const t of ['plc/7/cycle', 'sensor/7/reading']) {
      assert.ok(mayPublish(device7, msg(t, 0)), t);
      assert.ok(mayPublish(device7, msg(t, 1)), t);
    }
  });

  it("refuses a device another device's topics, unknown topics, QoS 2 and retained messages", () => {
    for (const t of ['plc/8/cycle', 'sensor/70/reading', 'plc/07/cycle', 'plc/7', 'plc/7/cycle/x', 'typedcluster/dead-letter/ingest-binary', '$SYS/x', 'anything']) {
      assert.equal(mayPublish(device7, msg(t)), false, t);
    }
    assert.equal(mayPublish(device7, msg('plc/7/cycle', 2)), false);
    assert.equal(mayPublish(device7, msg('plc/7/cycle', 1, true)), false);
  });

  it('lets the gateway publish dead letters only', () => {
    assert.ok(mayPublish(gateway, msg('typedcluster/dead-letter/ingest-binary')));
    for (const t of ['plc/7/cycle', 'sensor/7/reading', 'typedcluster/other', '$SYS/x']) assert.equal(mayPublish(gateway, msg(t)), false, t);
  });

  it('refuses every subscription by a device, its own topic included', () => {
    for (const f of ['plc/7/cycle', 'plc/+/cycle', '#']) assert.equal(maySubscribe(device7, f), false, f);
  });

  it('lets the gateway subscribe inside its filters and nowhere else', () => {
    for (const f of ['plc/+/cycle', 'sensor/+/reading', 'plc/7/cycle', 'typedcluster/dead-letter/#', 'typedcluster/dead-letter/ingest-binary', 'typedcluster/dead-letter/+']) {
      assert.ok(maySubscribe(gateway, f), f);
    }
    for (const f of ['#', '+/+/+', 'plc/#', 'plc/+/#', 'plc/+/+', 'typedcluster/#', '$SYS/#', 'plc/+/cycle/#', 'plc/+x/cycle', '']) {
      assert.equal(maySubscribe(gateway, f), false, f);
    }
  });

  it('lets the alert client publish alerts/{plc}/{kind} at QoS 0 or 1, unretained, and nothing else; it subscribes to nothing', () => {
    const alerter = { kind: 'alert-client' } as const;
    for (const t of ['alerts/3/out-of-range', 'alerts/12/anomaly']) assert.ok(mayPublish(alerter, msg(t)), t);
    assert.equal(mayPublish(alerter, { topic: 'alerts/3/anomaly', qos: 1, retain: true }), false);
    assert.equal(mayPublish(alerter, { topic: 'alerts/3/anomaly', qos: 2, retain: false }), false);
    for (const t of ['plc/3/cycle', 'typedcluster/dead-letter/x', 'alerts', 'anomaly/3/report']) assert.equal(mayPublish(alerter, msg(t)), false, t);
    for (const f of ['alerts/#', '#', 'plc/+/cycle']) assert.equal(maySubscribe(alerter, f), false, f);
  });

  it('lets each function user publish only its own stage, at QoS 0 or 1, unretained; functions subscribe to nothing', () => {
    const store: BrokerUser = { kind: 'function', name: 'store-reading' };
    const detect: BrokerUser = { kind: 'function', name: 'detect-anomaly' };
    assert.ok(mayPublish(store, msg('readings/7')));
    assert.ok(mayPublish(store, msg('readings/32767', 0)));
    assert.ok(mayPublish(detect, msg('anomaly/7/report')));
    assert.equal(mayPublish(store, msg('anomaly/7/report')), false, 'store-reading cannot forge reports');
    assert.equal(mayPublish(detect, msg('readings/7')), false, 'detect-anomaly cannot forge readings');
    for (const u of [store, detect]) {
      for (const t of ['plc/7/cycle', 'alerts/7/anomaly', 'readings/7/x', 'anomaly/7', 'typedcluster/dead-letter/x']) assert.equal(mayPublish(u, msg(t)), false, t);
      for (const f of ['readings/+', 'anomaly/+/report', '#']) assert.equal(maySubscribe(u, f), false, f);
    }
    assert.equal(mayPublish(store, msg('readings/7', 1, true)), false);
    assert.equal(mayPublish(detect, msg('anomaly/7/report', 2)), false);
  });

  it("lets the gateway subscribe to the text stage (detect-anomaly's trigger) but not publish it", () => {
    for (const f of ['readings/+', 'readings/7']) assert.ok(maySubscribe(gateway, f), f);
    for (const f of ['readings/#', 'anomaly/+/report']) assert.equal(maySubscribe(gateway, f), false, f);
    assert.equal(mayPublish(gateway, msg('readings/7')), false);
  });
});
