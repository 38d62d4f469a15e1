import { resolve } from 'node:path';
import { envInt, envOptional, envString, envUrl, StartupError, type Env } from '@typedcluster/core';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * The operator's configuration, read once in `main` from the environment
 * (flags override some of it). One row per variable in cli/README.md.
 */
export interface CliConfig {
  /** Where the embedded PostgreSQL data, secrets and device credentials live. */
  readonly home: string;
  readonly secretsDir: string;
  readonly devicesDir: string;
  readonly pgDataDir: string;
  /** External PostgreSQL; undefined = start the embedded one. */
  readonly databaseUrl: string | undefined;
  /** External MQTT broker; undefined = start the embedded one. */
  readonly mqttUrl: string | undefined;
  readonly pgPort: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export const CLI_ENV = [
  ['TYPEDCLUSTER_HOME', '.typedcluster', 'Directory for the embedded database, secrets and device credentials.'],
  ['DATABASE_URL', '(embedded)', 'External PostgreSQL URL; when set, no embedded PostgreSQL is started.'],
  ['PG_PORT', '54329', 'Port of the embedded PostgreSQL (loopback only).'],
  ['MQTT_URL', '(embedded)', 'External MQTT broker URL (e.g. mqtt://127.0.0.1:1883 for Mosquitto); when set, no embedded broker is started.'],
  ['LOG_LEVEL', 'info', 'debug, info, warn or error.'],
] as const;

export function readCliConfig(env: Env, cwd: string): CliConfig {
  const home = resolve(cwd, envString(env, 'TYPEDCLUSTER_HOME', '.typedcluster'));
  const databaseUrl = envOptional(env, 'DATABASE_URL') === undefined ? undefined : envUrl(env, 'DATABASE_URL');
  const mqttUrl = envOptional(env, 'MQTT_URL') === undefined ? undefined : envUrl(env, 'MQTT_URL');
  const level = envString(env, 'LOG_LEVEL', 'info');
  const logLevel = LEVELS.find((l) => l === level);
  if (!logLevel) throw new StartupError('CONFIG_INVALID', `LOG_LEVEL=${level} is not a log level`, `use one of ${LEVELS.join(', ')}`);
  return {
    home,
    secretsDir: resolve(home, 'secrets'),
    devicesDir: resolve(home, 'devices'),
    pgDataDir: resolve(home, 'pg'),
    databaseUrl,
    mqttUrl,
    pgPort: envInt(env, 'PG_PORT', 54329, 1, 65535),
    logLevel,
  };
}
