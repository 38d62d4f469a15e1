import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger, createMqttCredentialStore, freePort, startEmbeddedPostgres, type DeviceCredentials, type EmbeddedPostgres } from '@typedcluster/core';
import { startBroker } from '@typedcluster/broker';
import { startGateway } from '@typedcluster/gateway';
import { settledPhaseRows, simulate, sleep } from './support/mqtt-run.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const PLCS = 5;
const CYCLES = 40;
/** 30 s cycles at speed 100: one every 300 ms, so a run lasts about 12 s and an outage falls mid-run. */
const SPEED = 100;
const quiet = createLogger('restart', { level: 'error', sink: () => {} });

async function plcs(tp: TestPlatform, prefix: string): Promise<DeviceCredentials[]> {
  const out: DeviceCredentials[] = [];
  for (let i = 1; i <= PLCS; i++) out.push(await tp.provision(`${prefix}-${i}`));
  return out;
}

/** Runs the simulator, calls `outage` once 3 s in, and returns the settled phase rows. */
async function runThrough(tp: TestPlatform, devices: DeviceCredentials[], outage: () => Promise<void>) {
  const sim = await simulate(tp.platform.broker.url, tp.home, devices, CYCLES, SPEED);
  try {
    await sleep(3000);
    await outage();
    await sim.generated;
    assert.ok(await sim.drained(120_000), 'every generated frame reached the broker');
    return await settledPhaseRows(tp.platform.database.db, devices.map((d) => d.deviceId), PLCS * CYCLES * 5, 120_000);
  } finally {
    await sim.stop();
  }
}

describe('MQTT: nothing lost when parts restart mid-run @integration', function () {
  this.timeout(240_000);
  const expected = { rows: PLCS * CYCLES * 5, distinct: PLCS * CYCLES * 5 };

  it('the broker stops for 3 s and comes back on its store: every cycle stored exactly once', async () => {
    const tp = await startTestPlatform();
    let second: { stop(): Promise<void> } | undefined;
    try {
      const devices = await plcs(tp, 'broker-restart');
      const port = Number(new URL(tp.platform.broker.url).port);
      const rows = await runThrough(tp, devices, async () => {
        await tp.platform.broker.stop();
        await sleep(3000);
        second = await startBroker({
          port,
          persistenceDir: join(tp.home, 'mqtt'),
          authenticate: createMqttCredentialStore(tp.platform.database.db).authenticate,
          gatewayPassword: tp.secrets.mqttGatewayPassword,
          log: quiet,
        });
      });
      assert.deepEqual(rows, expected);
    } finally {
      await second?.stop();
      await tp.stop();
    }
  });

  it('PostgreSQL stops for 3 s and comes back: every cycle stored exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'typedcluster-pg-restart-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    const pgOpts = { dataDir: join(dir, 'pg'), port, log: quiet, unsafeFast: true } as const;
    let pg: EmbeddedPostgres = await startEmbeddedPostgres(pgOpts);
    const tp = await startTestPlatform({ env: { DATABASE_URL: pg.url } });
    try {
      const devices = await plcs(tp, 'pg-restart');
      const rows = await runThrough(tp, devices, async () => {
        await pg.stop();
        await sleep(3000);
        pg = await startEmbeddedPostgres(pgOpts);
      });
      assert.deepEqual(rows, expected);
    } finally {
      await tp.stop();
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the gateway stops for 3 s and a new one takes over its MQTT session: every cycle stored exactly once', async () => {
    const tp = await startTestPlatform();
    let second: { close(): Promise<void> } | undefined;
    try {
      const devices = await plcs(tp, 'gateway-restart');
      const rows = await runThrough(tp, devices, async () => {
        await tp.platform.gateway.close();
        await sleep(3000);
        second = await startGateway({
          env: { ...tp.env, SECRETS_DIR: tp.secrets.dir, MQTT_URL: tp.platform.broker.url },
          functionEnv: { DATABASE_URL: tp.platform.database.url },
          log: quiet,
          registry: new Registry(),
        });
      });
      assert.deepEqual(rows, expected);
    } finally {
      await second?.close();
      await tp.stop();
    }
  });
});
