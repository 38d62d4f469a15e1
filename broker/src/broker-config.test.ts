import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import { BROKER_CONFIG_VARIABLES, readBrokerConfig } from './broker-config.js';

describe('readBrokerConfig', () => {
  it('has defaults for everything', () => {
    assert.deepEqual(readBrokerConfig({}), { port: 1883, bindAddress: '127.0.0.1', maxPacketBytes: 65536 });
  });

  it('reads every variable', () => {
    assert.deepEqual(readBrokerConfig({ MQTT_PORT: '0', MQTT_BIND_ADDRESS: '0.0.0.0', MQTT_MAX_PACKET_BYTES: '4096' }), {
      port: 0,
      bindAddress: '0.0.0.0',
      maxPacketBytes: 4096,
    });
  });

  for (const [name, value] of [
    ['MQTT_PORT', '70000'],
    ['MQTT_PORT', 'mqtt'],
    ['MQTT_BIND_ADDRESS', 'my-host'],
    ['MQTT_MAX_PACKET_BYTES', '10'],
    ['MQTT_MAX_PACKET_BYTES', '64k'],
  ] as const) {
    it(`rejects ${name}=${value}, naming the variable in message and hint`, () => {
      assert.throws(
        () => readBrokerConfig({ [name]: value }),
        (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && e.message.includes(name) && e.hint.includes(name),
      );
    });
  }

  it('describes each variable it reads once, for the README table', () => {
    const names = BROKER_CONFIG_VARIABLES.map((v) => v.name);
    assert.deepEqual(names, ['MQTT_PORT', 'MQTT_BIND_ADDRESS', 'MQTT_MAX_PACKET_BYTES']);
    for (const v of BROKER_CONFIG_VARIABLES) assert.ok(v.description.length > 10 && v.default.length > 0, v.name);
  });
});
