import { createLogger, createDeviceRegistry, sodiumReady, systemRandom, type DeviceRegistry, type Logger } from '@typedcluster/core';
import { readCliConfig, type CliConfig } from '../cli-config.js';
import type { Io } from '../command.js';
import { ensurePlatformSecrets, type PlatformSecrets } from './platform-secrets.js';
import { openPlatformDatabase, type PlatformDatabase } from './platform-database.js';

export interface PlatformHandle {
  readonly config: CliConfig;
  readonly secrets: PlatformSecrets;
  readonly database: PlatformDatabase;
  readonly registry: DeviceRegistry;
  readonly log: Logger;
}

/** Runs an operator command against the platform's database, then closes it (and stops PostgreSQL if it started it). */
export async function withPlatform<T>(io: Io, fn: (p: PlatformHandle) => Promise<T>): Promise<T> {
  const config = readCliConfig(io.env, io.cwd);
  const log = createLogger('typedcluster', { level: config.logLevel === 'debug' ? 'debug' : 'warn', sink: io.err });
  await sodiumReady();
  const secrets = await ensurePlatformSecrets(config.secretsDir, systemRandom);
  const database = await openPlatformDatabase(config, secrets.pgPassword, log);
  try {
    return await fn({ config, secrets, database, registry: createDeviceRegistry(database.db), log });
  } finally {
    await database.stop();
  }
}
