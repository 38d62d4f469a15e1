import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createTestDatabase,
  sodiumReady,
  systemRandom,
  type Database,
  type DeviceCredentials,
  type Logger,
  type TestDatabase,
} from '@typedcluster/core';
import { readCliConfig } from '../../cli/src/cli-config.js';
import { ensurePlatformSecrets, type PlatformSecrets } from '../../cli/src/platform/platform-secrets.js';
import { provisionDevice } from '../../cli/src/platform/provision-device.js';
import { startPlatform, type RunningPlatform } from '../../cli/src/platform/start-platform.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What exists before the platform starts: a home with its secrets, and a database. */
export interface TestHome {
  readonly home: string;
  readonly database: TestDatabase;
  readonly secrets: PlatformSecrets;
  /** Registers a device and returns its credentials, as `typedcluster device add` does. */
  provision(name: string): Promise<DeviceCredentials>;
  remove(): Promise<void>;
}

export interface TestPlatform extends TestHome {
  readonly platform: RunningPlatform;
  readonly ingestUrl: string;
  readonly log: Logger;
  /** The environment the platform was started with (for restarting parts of it). */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/** A temp home (traversable by the postgres user) with its secrets, and a fresh migrated database. */
export async function createTestHome(): Promise<TestHome> {
  await sodiumReady();
  const database = await createTestDatabase('platform');
  const home = await mkdtemp(join(tmpdir(), 'typedcluster-test-'));
  await chmod(home, 0o755);
  const secrets = await ensurePlatformSecrets(join(home, 'secrets'), systemRandom);
  return {
    home,
    database,
    secrets,
    provision: (name) => provisionInto(database.db, home, secrets, name),
    async remove() {
      await database.drop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

async function provisionInto(db: Database, home: string, secrets: PlatformSecrets, name: string): Promise<DeviceCredentials> {
  const r = await provisionDevice(db, { name, out: join(home, 'devices', `${name}.json`), platformPublicKey: secrets.platformKeys.publicKey }, systemRandom);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/**
 * The platform as `typedcluster up` starts it (secrets, migrations, the
 * embedded broker unless MQTT_URL is given, the gateway running stack.yml's
 * real functions in their own processes, its MQTT connector), on a fresh
 * database of the shared test PostgreSQL and free ports.
 */
export async function startTestPlatform(opts: { env?: Record<string, string>; home?: TestHome } = {}): Promise<TestPlatform> {
  const home = opts.home ?? (await createTestHome());
  const lines: string[] = [];
  const log = createLogger('test', { level: process.env['TEST_LOG'] === 'debug' ? 'debug' : 'info', sink: (l) => (process.env['TEST_LOG'] ? console.error(l) : lines.push(l)) });
  const env = {
    TYPEDCLUSTER_HOME: home.home,
    DATABASE_URL: home.database.url,
    PORT: '0',
    MQTT_PORT: '0',
    STACK_FILE: join(REPO_ROOT, 'stack.yml'),
    // Short back-offs so outage tests recover quickly; the defaults are for plants.
    MQTT_RETRY_BACKOFF: '50ms',
    MQTT_RETRY_BACKOFF_MAX: '500ms',
    ...opts.env,
  };
  const config = readCliConfig(env, REPO_ROOT);
  const platform = await startPlatform({ config, env, log, random: systemRandom, uniform: Math.random, now: Date.now, fetch, demo: false });
  return {
    ...home,
    // Into the database the platform really uses (a test may give it its own PostgreSQL).
    provision: (name) => provisionInto(platform.database.db, home.home, home.secrets, name),
    platform,
    env,
    ingestUrl: `${platform.gateway.url}/function/ingest-binary`,
    log,
    async stop() {
      await platform.stop();
      await home.remove();
    },
  };
}
