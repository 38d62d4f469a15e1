import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import { GATEWAY_CONFIG_VARIABLES, readGatewayConfig } from './read-gateway-config.js';

const secrets = (files: Record<string, string>) => (name: string) => files[name];
const creds = secrets({ 'basic-auth-user': 'admin\n', 'basic-auth-password': 's3cret\n' });

describe('readGatewayConfig', () => {
  it('has of-watchdog style defaults', () => {
    const c = readGatewayConfig({}, creds);
    assert.equal(c.port, 8080);
    assert.equal(c.bindAddress, '127.0.0.1');
    assert.equal(c.stackFile, 'stack.yml');
    assert.equal(c.secretsDir, '/var/openfaas/secrets');
    assert.deepEqual(c.basicAuth, { user: 'admin', password: 's3cret' });
    assert.equal(c.execTimeoutMs, 30_000);
    assert.equal(c.restartBackoffMaxMs, 30_000);
    assert.equal(c.asyncQueueMax, 1000);
    assert.equal(c.maxBodyBytes, 1024 * 1024);
  });

  it('reads every variable', () => {
    const c = readGatewayConfig(
      {
        PORT: '0',
        BIND_ADDRESS: '0.0.0.0',
        STACK_FILE: 'x/stack.yml',
        SECRETS_DIR: '/tmp/s',
        BASIC_AUTH: 'false',
        EXEC_TIMEOUT: '2s',
        READY_TIMEOUT: '5s',
        READY_WAIT: '250ms',
        RESTART_BACKOFF_MAX: '1m',
        ASYNC_QUEUE_MAX: '7',
        ASYNC_CONCURRENCY: '2',
        MAX_BODY_BYTES: '4096',
        SHUTDOWN_TIMEOUT: '3s',
      },
      secrets({}),
    );
    assert.deepEqual(c, {
      port: 0,
      bindAddress: '0.0.0.0',
      stackFile: 'x/stack.yml',
      secretsDir: '/tmp/s',
      basicAuth: undefined,
      execTimeoutMs: 2000,
      readyTimeoutMs: 5000,
      readyWaitMs: 250,
      restartBackoffMaxMs: 60_000,
      asyncQueueMax: 7,
      asyncConcurrency: 2,
      maxBodyBytes: 4096,
      shutdownTimeoutMs: 3000,
    });
  });

  it('fails fast with a hint when basic auth is on and its secrets are missing', () => {
    assert.throws(
      () => readGatewayConfig({ SECRETS_DIR: '/tmp/none' }, secrets({ 'basic-auth-user': 'admin' })),
      (e: unknown) =>
        e instanceof StartupError &&
        e.code === 'CONFIG_MISSING' &&
        e.message.includes('basic-auth-password') &&
        !e.message.includes('basic-auth-user') &&
        e.hint.includes('/tmp/none/basic-auth-password') &&
        e.hint.includes('BASIC_AUTH=false'),
    );
  });

  for (const [name, value] of [
    ['PORT', '70000'],
    ['BASIC_AUTH', 'maybe'],
    ['EXEC_TIMEOUT', 'soon'],
    ['EXEC_TIMEOUT', '0s'],
    ['MAX_BODY_BYTES', '0'],
    ['ASYNC_QUEUE_MAX', '-1'],
  ] as const) {
    it(`rejects ${name}=${value} naming the variable`, () => {
      assert.throws(
        () => readGatewayConfig({ [name]: value }, creds),
        (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && e.message.includes(name) && e.hint.includes(name),
      );
    });
  }

  it('describes each variable once, for the README table', () => {
    const names = GATEWAY_CONFIG_VARIABLES.map((v) => v.name);
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      [...names].sort(),
      ['ASYNC_CONCURRENCY', 'ASYNC_QUEUE_MAX', 'BASIC_AUTH', 'BIND_ADDRESS', 'EXEC_TIMEOUT', 'MAX_BODY_BYTES', 'PORT', 'READY_TIMEOUT', 'READY_WAIT', 'RESTART_BACKOFF_MAX', 'SECRETS_DIR', 'SHUTDOWN_TIMEOUT', 'STACK_FILE'],
    );
    for (const v of GATEWAY_CONFIG_VARIABLES) assert.ok(v.description.length > 10 && v.default.length > 0, v.name);
  });
});
