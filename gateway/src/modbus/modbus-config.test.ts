import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import { readModbusConfig } from './modbus-config.js';

const throwsAbout = (env: Record<string, string>, variable: string) =>
  assert.throws(
    () => readModbusConfig(env),
    (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && e.message.includes(variable),
  );

describe('readModbusConfig', () => {
  it('is off without MODBUS_TARGETS', () => {
    assert.equal(readModbusConfig({}), undefined);
    assert.equal(readModbusConfig({ MODBUS_TARGETS: '' }), undefined);
  });

  it('reads targets and defaults', () => {
    const c = readModbusConfig({ MODBUS_TARGETS: 'press-1@10.0.0.21:502, press-2@plc.local:5020/7,p3@[::1]:1502' });
    assert.deepEqual(c, {
      targets: [
        { name: 'press-1', host: '10.0.0.21', port: 502, unitId: 1 },
        { name: 'press-2', host: 'plc.local', port: 5020, unitId: 7 },
        { name: 'p3', host: '::1', port: 1502, unitId: 1 },
      ],
      pollMs: 1000,
      timeoutMs: 2000,
      retryBackoffMs: 500,
      retryBackoffMaxMs: 30_000,
      maxAbsValue: 1e6,
    });
  });

  it('reads durations and the plausibility bound', () => {
    const c = readModbusConfig({ MODBUS_TARGETS: 'a@h:1', MODBUS_POLL_MS: '250', MODBUS_TIMEOUT: '1s', MODBUS_RETRY_BACKOFF: '50ms', MODBUS_RETRY_BACKOFF_MAX: '2s', MODBUS_MAX_ABS_VALUE: '500' });
    assert.deepEqual([c?.pollMs, c?.timeoutMs, c?.retryBackoffMs, c?.retryBackoffMaxMs, c?.maxAbsValue], [250, 1000, 50, 2000, 500]);
  });

  for (const [targets, why] of [
    ['press-1@10.0.0.21', 'no port'],
    ['10.0.0.21:502', 'no name'],
    ['a@h:70000', 'port out of range'],
    ['a@h:502/300', 'unit out of range'],
    ['a b@h:502', 'bad name'],
    ['a@h:502,a@g:502', 'name twice'],
    ['a@h:502,b@h:502', 'PLC twice'],
    [' , ', 'empty list'],
  ] as const) {
    it(`refuses MODBUS_TARGETS with ${why}`, () => throwsAbout({ MODBUS_TARGETS: targets }, 'MODBUS_TARGETS'));
  }

  it('refuses bad numbers, naming the variable', () => {
    throwsAbout({ MODBUS_TARGETS: 'a@h:1', MODBUS_POLL_MS: '0' }, 'MODBUS_POLL_MS');
    throwsAbout({ MODBUS_TARGETS: 'a@h:1', MODBUS_TIMEOUT: 'soon' }, 'MODBUS_TIMEOUT');
    throwsAbout({ MODBUS_TARGETS: 'a@h:1', MODBUS_RETRY_BACKOFF: '5s', MODBUS_RETRY_BACKOFF_MAX: '1s' }, 'MODBUS_RETRY_BACKOFF_MAX');
    throwsAbout({ MODBUS_TARGETS: 'a@h:1', MODBUS_MAX_ABS_VALUE: '-3' }, 'MODBUS_MAX_ABS_VALUE');
  });
});
