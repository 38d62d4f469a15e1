import assert from 'node:assert/strict';
import { createLogger } from '@typedcluster/core';
import { definitionFromDeployment, definitionFromStack } from './function-definition.js';
import { forwardLogLine } from './forward-log-line.js';
import { BOOTSTRAP_PATH, buildSpawnSpec, envProcessOf } from './spawn-spec.js';
import type { StackFunction } from '../stack/stack-types.js';
import { existsSync } from 'node:fs';

const fn: StackFunction = {
  name: 'ingest',
  lang: 'typescript-node',
  handler: './functions/ingest',
  handlerDir: '/repo/functions/ingest',
  handlerPath: '/repo/functions/ingest/handler.ts',
  image: 'ingest:1',
  environment: { exec_timeout: '5s', LOG_LEVEL: 'debug', PORT: '9999' },
  secrets: ['device-keys'],
  labels: {},
  annotations: {},
  limits: { memory: '128Mi' },
  buildArgs: {},
};

const ctx = {
  bootstrapPath: '/repo/template/typescript-node/index.ts',
  tsxUrl: 'file:///repo/node_modules/tsx/dist/loader.mjs',
  gatewayUrl: 'http://127.0.0.1:8080',
  secretsDir: '/run/secrets',
  maxBodyBytes: 2048,
  shutdownTimeoutMs: 10_000,
  functionEnv: { DATABASE_URL: 'postgres://x' },
  hostEnv: { PATH: '/usr/bin', HOME: '/root', AWS_SECRET: 'do-not-leak' },
  execPath: '/usr/bin/node',
};

describe('buildSpawnSpec', () => {
  it('runs the bootstrap under tsx with the memory cap from limits.memory', () => {
    const spec = buildSpawnSpec(definitionFromStack(fn, 30_000), ctx);
    assert.equal(spec.command, '/usr/bin/node');
    assert.deepEqual(spec.args, ['--conditions=typescript', '--import', ctx.tsxUrl, '--max-old-space-size=128', ctx.bootstrapPath]);
    assert.equal(spec.cwd, '/repo/functions/ingest');
  });

  it('gives the function its env, functionEnv and the gateway-provided variables, and nothing else of the host', () => {
    const { env } = buildSpawnSpec(definitionFromStack(fn, 30_000), ctx);
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      HOME: '/root',
      exec_timeout: '5s',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgres://x',
      FUNCTION_NAME: 'ingest',
      HANDLER_PATH: '/repo/functions/ingest/handler.ts',
      PORT: '0',
      BIND_ADDRESS: '127.0.0.1',
      SECRETS_DIR: '/run/secrets',
      GATEWAY_URL: 'http://127.0.0.1:8080',
      MAX_BODY_BYTES: '2048',
      DRAIN_TIMEOUT: '8000ms',
    });
  });

  it('takes exec_timeout from the function env, else the gateway default', () => {
    assert.equal(definitionFromStack(fn, 30_000).execTimeoutMs, 5000);
    assert.equal(definitionFromStack({ ...fn, environment: {} }, 30_000).execTimeoutMs, 30_000);
  });

  it('lets a deployment replace env, image and limits while keeping the stack handler', () => {
    const d = definitionFromDeployment('ingest-2', fn, { image: 'ingest:2', envVars: { A: '1' }, limits: { memory: '256Mi' } }, 30_000);
    assert.equal(d.name, 'ingest-2');
    assert.equal(d.handlerPath, fn.handlerPath);
    assert.deepEqual(d.envVars, { A: '1' });
    assert.equal(d.execTimeoutMs, 30_000);
    assert.equal(d.memoryMiB, 256);
    assert.deepEqual(d.secrets, ['device-keys']);
    assert.match(envProcessOf(d), /--max-old-space-size=256 template\/typescript-node\/index\.ts$/);
  });

  it('points at the template bootstrap in this repository', () => {
    assert.ok(BOOTSTRAP_PATH.endsWith('/template/typescript-node/index.ts'));
    assert.ok(existsSync(BOOTSTRAP_PATH));
  });
});

describe('forwardLogLine', () => {
  it('keeps the level of core-format lines, drops their timestamp and repeated name', () => {
    const lines: string[] = [];
    const log = createLogger('gateway', { sink: (l) => lines.push(l.slice(25)), level: 'debug' }).child('echo');
    forwardLogLine(log, 'echo', '2026-01-01T00:00:00.000Z WARN echo: slow database', 'stderr');
    forwardLogLine(log, 'echo', 'plain stdout line', 'stdout');
    forwardLogLine(log, 'echo', 'TypeError: boom', 'stderr');
    forwardLogLine(log, 'echo', '   ', 'stderr');
    assert.deepEqual(lines, ['WARN gateway/echo: slow database', 'INFO gateway/echo: plain stdout line', 'WARN gateway/echo: TypeError: boom']);
  });
});
