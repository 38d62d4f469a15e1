import assert from 'node:assert/strict';
import { StartupError } from '@typedcluster/core';
import { readDashboardConfig } from './dashboard-config.js';

describe('dashboard: readDashboardConfig', () => {
  it('has defaults for every variable', () => {
    assert.deepEqual(readDashboardConfig({}), {
      enabled: true,
      pollIntervalMs: 1000,
      healthIntervalMs: 5000,
      points: 300,
      maxClients: 100,
      clientBufferBytes: 1024 * 1024,
      onlineWithinMs: 90_000,
    });
  });

  it('reads durations and numbers', () => {
    const c = readDashboardConfig({ DASHBOARD_ENABLED: 'false', DASHBOARD_POLL_INTERVAL: '250ms', DASHBOARD_POINTS: '60', DASHBOARD_ONLINE_WITHIN: '2m' });
    assert.equal(c.enabled, false);
    assert.equal(c.pollIntervalMs, 250);
    assert.equal(c.points, 60);
    assert.equal(c.onlineWithinMs, 120_000);
  });

  it('fails fast naming the variable', () => {
    for (const [name, value] of [['DASHBOARD_POLL_INTERVAL', '5ms'], ['DASHBOARD_POINTS', '3'], ['DASHBOARD_ENABLED', 'maybe'], ['DASHBOARD_CLIENT_BUFFER', '10']] as const) {
      assert.throws(() => readDashboardConfig({ [name]: value }), (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && e.message.includes(name), name);
    }
  });
});
