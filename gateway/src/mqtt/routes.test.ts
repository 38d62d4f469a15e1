import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import type { FunctionDefinition } from '../runtime/function-definition.js';
import { buildRoutes, checkRoutes, filtersOf } from './routes.js';

const def = (name: string, annotations: Record<string, string>): FunctionDefinition => ({
  name,
  image: `x/${name}`,
  handlerPath: `/h/${name}/handler.ts`,
  handlerDir: `/h/${name}`,
  envVars: {},
  secrets: [],
  labels: {},
  annotations,
  execTimeoutMs: 1000,
});

describe('MQTT routes from topic annotations', () => {
  const defs = [
    def('ingest-binary', { topic: 'plc/+/cycle, sensor/+/reading', 'com.typedcluster.batch': 'frames' }),
    def('audit', { topic: 'plc/#' }),
    def('http-only', {}),
  ];

  it('splits comma lists and ignores blanks', () => {
    assert.deepEqual(filtersOf(' a/b ,, c/# ,'), ['a/b', 'c/#']);
    assert.deepEqual(filtersOf(undefined), []);
  });

  it('subscribes to the union of the filters, and marks frames functions as batch', () => {
    const { routes, problems } = buildRoutes(defs);
    assert.deepEqual(problems, []);
    assert.deepEqual(routes.filters, ['plc/+/cycle', 'sensor/+/reading', 'plc/#']);
    assert.deepEqual(routes.functions.map((f) => [f.name, f.batch]), [['ingest-binary', 'frames'], ['audit', undefined]]);
  });

  it('matches every function whose filters match, with + and # wildcards', () => {
    const { routes } = buildRoutes(defs);
    const names = (topic: string) => routes.match(topic).map((f) => f.name);
    assert.deepEqual(names('plc/7/cycle'), ['ingest-binary', 'audit']);
    assert.deepEqual(names('sensor/7/reading'), ['ingest-binary']);
    assert.deepEqual(names('plc/7/other/deep'), ['audit']);
    assert.deepEqual(names('plc'), ['audit']);
    assert.deepEqual(names('sensor/7/reading/x'), []);
    assert.deepEqual(names('typedcluster/dead-letter/audit'), []);
    assert.deepEqual(names('plc/7/cycle'), ['ingest-binary', 'audit'], 'same answer from the cache');
  });

  it('stops the start with STACK_INVALID naming the function and the filter', () => {
    assert.throws(
      () => checkRoutes([...defs, def('broken', { topic: 'ok/+, bad/#/more' })], '/x/stack.yml'),
      (e: unknown) => e instanceof StartupError && e.code === 'STACK_INVALID' && e.message.includes('functions.broken.annotations.topic') && e.message.includes('bad/#/more'),
    );
    assert.throws(() => checkRoutes([def('plus', { topic: 'a/b+' })], 's.yml'), StartupError);
  });
});
