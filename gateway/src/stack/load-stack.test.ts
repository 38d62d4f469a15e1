import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { StartupError } from '@typedcluster/core';
import { loadStack, parseStack, type StackIo } from './load-stack.js';
import { memoryToMiB } from './memory-quantity.js';
import { substituteEnv } from './substitute-env.js';

const FIXTURE = fileURLToPath(new URL('../../test-fixtures/stack.yml', import.meta.url));

/** An in-memory disk: every handler folder has a handler.ts unless listed in `missing`. */
const io = (files: Record<string, string> = {}, missing: string[] = []): StackIo => ({
  readFile: (p) => files[p],
  exists: (p) => p.endsWith('/handler.ts') && !missing.some((m) => p.startsWith(m)),
});

const stackText = (fn: string, extraTop = ''): string => `version: 1.0
provider:
  name: openfaas
  gateway: http://127.0.0.1:8080
functions:
${fn}
${extraTop}`;

const expectStartupError = (f: () => unknown, code: string, ...parts: string[]) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof StartupError, String(e));
    assert.equal(e.code, code);
    for (const p of parts) assert.ok(e.message.includes(p) || e.hint.includes(p), `"${p}" not in: ${e.toLine()}`);
    return true;
  });

describe('loadStack', () => {
  it('loads the fixture stack with every function and field', () => {
    const stack = loadStack(FIXTURE, { FIXTURE_GREETING: 'hi' });
    assert.deepEqual(
      stack.functions.map((f) => f.name),
      ['echo', 'crasher', 'hanger', 'memory-hog', 'rejecter'],
    );
    const echo = stack.functions[0]!;
    assert.equal(echo.lang, 'typescript-node');
    assert.equal(echo.image, 'typedcluster/echo:test');
    assert.ok(echo.handlerPath.endsWith('/gateway/test-fixtures/echo/handler.ts'));
    assert.deepEqual(echo.environment, { GREETING: 'hi' });
    assert.deepEqual(echo.labels, { 'com.typedcluster.test': 'true' });
    assert.deepEqual(echo.annotations, { topic: 'readings' });
    assert.deepEqual(stack.functions[3]!.limits, { memory: '64Mi' });
    assert.deepEqual(stack.functions[2]!.environment, { exec_timeout: '1s' });
    assert.equal(stack.provider.gateway, 'http://127.0.0.1:8080');
  });

  it('uses the ${VAR:-default} default when the variable is unset', () => {
    assert.deepEqual(loadStack(FIXTURE, {}).functions[0]!.environment, { GREETING: 'hello' });
  });

  it('says which file is missing and what to do', () => {
    expectStartupError(() => loadStack('/nowhere/stack.yml', {}), 'CONFIG_MISSING', '/nowhere/stack.yml', 'STACK_FILE');
  });

  it('rejects an unknown lang with the faasd hint', () => {
    const text = stackText('  py:\n    lang: python3\n    handler: ./py\n');
    expectStartupError(() => parseStack(text, '/s/stack.yml', {}, io()), 'UNKNOWN_LANG', 'functions.py.lang', 'python3', 'use lang: typescript-node or run it on faasd');
  });

  it('names the function and field when handler is missing', () => {
    const text = stackText('  ingest:\n    lang: typescript-node\n    image: x\n');
    expectStartupError(() => parseStack(text, '/s/stack.yml', {}, io()), 'STACK_INVALID', 'functions.ingest.handler', 'is required');
  });

  it('names the folder when it holds no handler', () => {
    const text = stackText('  ingest:\n    lang: typescript-node\n    handler: ./functions/ingest\n');
    expectStartupError(() => parseStack(text, '/s/stack.yml', {}, io({}, ['/s/functions/ingest'])), 'STACK_INVALID', 'functions.ingest.handler', '/s/functions/ingest');
  });

  for (const [what, fn, at] of [
    ['a bad memory limit', '  a:\n    lang: typescript-node\n    handler: ./a\n    limits:\n      memory: lots\n', 'functions.a.limits.memory'],
    ['a memory limit too small to start node', '  a:\n    lang: typescript-node\n    handler: ./a\n    limits:\n      memory: 8Mi\n', 'functions.a.limits.memory'],
    ['a bad exec_timeout', '  a:\n    lang: typescript-node\n    handler: ./a\n    environment:\n      exec_timeout: forever\n', 'functions.a.environment.exec_timeout'],
    ['secrets that are not a list', '  a:\n    lang: typescript-node\n    handler: ./a\n    secrets: key\n', 'functions.a.secrets'],
    ['an upper-case function name', '  Ingest:\n    lang: typescript-node\n    handler: ./a\n', 'functions.Ingest'],
    ['an environment value that is a mapping', '  a:\n    lang: typescript-node\n    handler: ./a\n    environment:\n      X: {y: 1}\n', 'functions.a.environment.X'],
  ] as const) {
    it(`rejects ${what}`, () => expectStartupError(() => parseStack(stackText(fn), '/s/stack.yml', {}, io()), 'STACK_INVALID', at));
  }

  it('rejects a wrong version or provider', () => {
    expectStartupError(() => parseStack('version: 2.0\nprovider: {name: openfaas}\nfunctions: {}\n', '/s/stack.yml', {}, io()), 'STACK_INVALID', 'version');
    expectStartupError(() => parseStack('version: 1.0\nprovider: {name: faasd}\nfunctions: {}\n', '/s/stack.yml', {}, io()), 'STACK_INVALID', 'provider.name');
  });

  it('merges environment_file over environment (as faas-cli) and reads configuration.copy', () => {
    const text = stackText(
      '  a:\n    lang: typescript-node\n    handler: ./a\n    environment:\n      A: inline\n      B: inline\n    environment_file:\n      - env.yml\n    secrets: [device-keys]\n    build_args:\n      NODE_VERSION: 20\n',
      'configuration:\n  copy:\n    - ./core\n',
    );
    const stack = parseStack(text, '/s/stack.yml', {}, io({ '/s/env.yml': 'environment:\n  B: file\n  C: 3\n' }));
    const a = stack.functions[0]!;
    assert.deepEqual(a.environment, { A: 'inline', B: 'file', C: '3' });
    assert.deepEqual(a.secrets, ['device-keys']);
    assert.deepEqual(a.buildArgs, { NODE_VERSION: '20' });
    assert.deepEqual(stack.configuration.copy, ['./core']);
  });

  it('names a missing environment_file', () => {
    const text = stackText('  a:\n    lang: typescript-node\n    handler: ./a\n    environment_file: [gone.yml]\n');
    expectStartupError(() => parseStack(text, '/s/stack.yml', {}, io()), 'STACK_INVALID', 'functions.a.environment_file[0]', '/s/gone.yml');
  });
});

describe('substituteEnv', () => {
  it('substitutes ${VAR}, ${VAR:-default} and ${VAR-default} like faas-cli', () => {
    const env = { SET: 'v', EMPTY: '' };
    assert.equal(substituteEnv('${SET} ${UNSET} ${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $SET', env), 'v  d d  d $SET');
  });
});

describe('memoryToMiB', () => {
  it('reads Kubernetes memory quantities, rounding up', () => {
    assert.equal(memoryToMiB('128Mi'), 128);
    assert.equal(memoryToMiB('1Gi'), 1024);
    assert.equal(memoryToMiB('100M'), 96);
    assert.equal(memoryToMiB('1048576'), 1);
    assert.equal(memoryToMiB('0.5Gi'), 512);
    assert.equal(memoryToMiB('12x'), undefined);
    assert.equal(memoryToMiB('0'), undefined);
  });
});
