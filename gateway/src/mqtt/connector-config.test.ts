import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StartupError } from '@typedcluster/core';
import { MQTT_CONNECTOR_CONFIG_VARIABLES, MQTT_PASSWORD_SECRET, readConnectorConfig } from './connector-config.js';

const secrets = (files: Record<string, string>) => (name: string) => files[name];
const withPassword = secrets({ [MQTT_PASSWORD_SECRET]: 'from-secret\n' });
const AT = { MQTT_URL: 'mqtt://127.0.0.1:1883' };

describe('readConnectorConfig', () => {
  it('is off while MQTT_URL is unset or empty', () => {
    assert.equal(readConnectorConfig({}, withPassword), undefined);
    assert.equal(readConnectorConfig({ MQTT_URL: '' }, withPassword), undefined);
  });

  it('has defaults, and the password from the secret mqtt-gateway-password', () => {
    assert.deepEqual(readConnectorConfig(AT, withPassword), {
      url: 'mqtt://127.0.0.1:1883',
      username: 'gateway',
      password: 'from-secret',
      clientId: 'typedcluster-gateway',
      maxAttempts: 5,
      retryBackoffMs: 200,
      retryBackoffMaxMs: 10_000,
      inflight: 1000,
      concurrency: 8,
      batchMax: 1000,
      batchWaitMs: 40,
    });
  });

  it('reads every variable; MQTT_PASSWORD wins over the secret', () => {
    const c = readConnectorConfig(
      {
        MQTT_URL: 'mqtts://broker.example:8883',
        MQTT_USERNAME: 'gw2',
        MQTT_PASSWORD: 'from-env',
        MQTT_CLIENT_ID: 'gw-two',
        MQTT_MAX_ATTEMPTS: '3',
        MQTT_RETRY_BACKOFF: '50ms',
        MQTT_RETRY_BACKOFF_MAX: '2s',
        MQTT_INFLIGHT: '10',
        MQTT_CONCURRENCY: '2',
        MQTT_BATCH_MAX: '50',
        MQTT_BATCH_WAIT: '0',
      },
      withPassword,
    );
    assert.deepEqual(c, {
      url: 'mqtts://broker.example:8883',
      username: 'gw2',
      password: 'from-env',
      clientId: 'gw-two',
      maxAttempts: 3,
      retryBackoffMs: 50,
      retryBackoffMaxMs: 2000,
      inflight: 10,
      concurrency: 2,
      batchMax: 50,
      batchWaitMs: 0,
    });
  });

  it('stops with CONFIG_MISSING naming the secret when there is no password', () => {
    assert.throws(
      () => readConnectorConfig({ ...AT, SECRETS_DIR: '/run/s' }, secrets({})),
      (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_MISSING' && e.message.includes(MQTT_PASSWORD_SECRET) && e.message.includes('/run/s') && e.hint.includes('MQTT_PASSWORD'),
    );
  });

  for (const [name, value] of [
    ['MQTT_URL', 'not a url'],
    ['MQTT_URL', 'http://127.0.0.1:1883'],
    ['MQTT_MAX_ATTEMPTS', '0'],
    ['MQTT_RETRY_BACKOFF', '0'],
    ['MQTT_RETRY_BACKOFF', 'soon'],
    ['MQTT_RETRY_BACKOFF_MAX', '10ms'],
    ['MQTT_INFLIGHT', '0'],
    ['MQTT_CONCURRENCY', 'many'],
    ['MQTT_BATCH_MAX', '0'],
    ['MQTT_BATCH_WAIT', '-1'],
    ['MQTT_CLIENT_ID', 'has space'],
  ] as const) {
    it(`stops with CONFIG_INVALID on ${name}=${value}, saying what to change`, () => {
      assert.throws(
        () => readConnectorConfig({ ...AT, [name]: value }, withPassword),
        (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && e.message.includes(name) && e.hint.includes(name),
      );
    });
  }

  it('describes each variable once, and gateway/README.md has a row for each', () => {
    const names = MQTT_CONNECTOR_CONFIG_VARIABLES.map((v) => v.name);
    assert.equal(new Set(names).size, names.length);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of MQTT_CONNECTOR_CONFIG_VARIABLES) {
      assert.ok(v.description.length > 10 && v.default.length > 0, v.name);
      assert.match(readme, new RegExp(`^\\| \`${v.name}\` \\|`, 'm'), `gateway/README.md lacks a row for ${v.name}`);
    }
  });
});
