import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StartupError } from '@typedcluster/core';
import { readTcpListenerConfig, TCP_LISTENER_CONFIG_VARIABLES } from './tcp-config.js';

const noSecrets = { readSecret: () => undefined };
const PEM = '-----BEGIN X-----\nAA==\n-----END X-----\n';

describe('TCP listener config', () => {
  it('is off when TCP_PORT is unset', () => {
    assert.equal(readTcpListenerConfig({}, noSecrets), undefined);
  });

  it('has defaults for everything else; TCP_BIND_ADDRESS falls back to BIND_ADDRESS', () => {
    const c = readTcpListenerConfig({ TCP_PORT: '0', BIND_ADDRESS: '0.0.0.0' }, noSecrets);
    assert.deepEqual(c, {
      port: 0,
      bindAddress: '0.0.0.0',
      tls: undefined,
      functionName: 'ingest-binary',
      window: 256,
      idleTimeoutMs: 120_000,
      maxConnections: 1000,
      concurrency: 8,
      batchMax: 200,
      batchWaitMs: 5,
      maxAttempts: 5,
      retryBackoffMs: 200,
      retryBackoffMaxMs: 10_000,
    });
  });

  it('reads TLS from files, or from both secrets', () => {
    const files: Record<string, string> = { '/c.pem': PEM, '/k.pem': PEM };
    const c = readTcpListenerConfig({ TCP_PORT: '1', TCP_TLS_CERT_FILE: '/c.pem', TCP_TLS_KEY_FILE: '/k.pem' }, { readFile: (p) => files[p]!, ...noSecrets });
    assert.deepEqual(c?.tls, { cert: PEM, key: PEM });
    const s = readTcpListenerConfig({ TCP_PORT: '1' }, { readSecret: (n) => (n === 'tcp-tls-cert' || n === 'tcp-tls-key' ? PEM : undefined) });
    assert.deepEqual(s?.tls, { cert: PEM, key: PEM });
  });

  it('fails fast naming the variable', () => {
    const fails = (env: Record<string, string>, code: string, re: RegExp) =>
      assert.throws(() => readTcpListenerConfig(env, { readFile: () => 'not pem', ...noSecrets }), (e: unknown) => e instanceof StartupError && e.code === code && re.test(e.message));
    fails({ TCP_PORT: 'x' }, 'CONFIG_INVALID', /TCP_PORT=x/);
    fails({ TCP_PORT: '1', TCP_WINDOW: '0' }, 'CONFIG_INVALID', /TCP_WINDOW=0/);
    fails({ TCP_PORT: '1', TCP_IDLE_TIMEOUT: '0s' }, 'CONFIG_INVALID', /TCP_IDLE_TIMEOUT/);
    fails({ TCP_PORT: '1', TCP_TLS_CERT_FILE: '/c.pem' }, 'CONFIG_MISSING', /TCP_TLS_KEY_FILE/);
    fails({ TCP_PORT: '1', TCP_TLS_CERT_FILE: '/c.pem', TCP_TLS_KEY_FILE: '/k.pem' }, 'CONFIG_INVALID', /TCP_TLS_CERT_FILE=\/c.pem is not a PEM file/);
  });

  it('gateway/README.md has a row for every TCP variable', () => {
    const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const v of TCP_LISTENER_CONFIG_VARIABLES) assert.match(text, new RegExp(`^\\| \`${v.name}\` \\|`, 'm'), `gateway/README.md lacks a row for ${v.name}`);
  });
});
