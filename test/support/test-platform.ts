import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createTestDatabase,
  systemRandom,
  type DeviceCredentials,
  type Logger,
  type TestDatabase,
} from '@typedcluster/core';
import { readCliConfig } from '../../cli/src/cli-config.js';
import { provisionDevice } from '../../cli/src/platform/provision-device.js';
import { startPlatform, type RunningPlatform } from '../../cli/src/platform/start-platform.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface TestPlatform {
  readonly platform: RunningPlatform;
  readonly database: TestDatabase;
  readonly home: string;
  readonly ingestUrl: string;
  readonly log: Logger;
  /** Registers a device and returns its credentials, as `typedcluster device add` does. */
  provision(name: string): Promise<DeviceCredentials>;
  stop(): Promise<void>;
}

/**
 * The platform as `typedcluster up` starts it (secrets, migrations, the
 * gateway running stack.yml's real functions in their own processes), on a
 * fresh database of the shared test PostgreSQL and a free port.
 */
export async function startTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const database = await createTestDatabase('platform');
  const home = await mkdtemp(join(tmpdir(), 'typedcluster-test-'));
  const lines: string[] = [];
  const log = createLogger('test', { level: process.env['TEST_LOG'] === 'debug' ? 'debug' : 'info', sink: (l) => (process.env['TEST_LOG'] ? console.error(l) : lines.push(l)) });
  const fullEnv = { TYPEDCLUSTER_HOME: home, DATABASE_URL: database.url, PORT: '0', MQTT_PORT: '0', STACK_FILE: join(REPO_ROOT, 'stack.yml'), ...env };
  const config = readCliConfig(fullEnv, REPO_ROOT);
  const platform = await startPlatform({ config, env: fullEnv, log, random: systemRandom, uniform: Math.random, now: Date.now, fetch, demo: false });
  return {
    platform,
    database,
    home,
    ingestUrl: `${platform.gateway.url}/function/ingest-binary`,
    log,
    async provision(name) {
      const r = await provisionDevice(platform.database.db, { name, out: join(home, 'devices', `${name}.json`), platformPublicKey: platform.secrets.platformKeys.publicKey }, systemRandom);
      if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
      return r.value;
    },
    async stop() {
      await platform.stop();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
