import { envBool, envOptional, envString, JWT_SECRET_MIN_LENGTH, readSecretOptional, secretsDir, StartupError, type Env } from '@typedcluster/core';
import type { ConfigVariable, SecretReader } from '../config/read-gateway-config.js';

/**
 * The gateway's database and the REST endpoint's configuration: the gateway
 * has a database when DATABASE_URL or the database-url secret (which
 * `typedcluster up` writes) gives one; /api is served then, unless REST_API=false. The JWT secret is the secret file jwt-secret, the
 * same value production gives PostgREST as PGRST_JWT_SECRET.
 */
export interface RestConfig {
  readonly databaseUrl: string;
  /** REST_API: false keeps the database (dashboard) but serves no /api. */
  readonly enabled: boolean;
  /** undefined: tokens are refused with PGRST300 and only the anonymous role works. */
  readonly jwtSecret: string | undefined;
  readonly anonRole: string;
}

export const REST_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'DATABASE_URL', default: 'secret database-url', description: 'The gateway\'s PostgreSQL (REST API under /api, dashboard); unset: the secret database-url in SECRETS_DIR; neither = no database features. `typedcluster up` provides it.' },
  { name: 'REST_API', default: 'true', description: 'Serve the PostgREST-compatible API under /api when the gateway has a database.' },
  { name: 'REST_ANON_ROLE', default: 'web_anon', description: 'Role of requests without a JWT (PostgREST: PGRST_DB_ANON_ROLE). The HS256 key is the secret jwt-secret (at least 32 characters).' },
];

export function readRestConfig(env: Env, readSecretFile?: SecretReader): RestConfig | undefined {
  const enabled = envBool(env, 'REST_API', true);
  const read = readSecretFile ?? ((name: string) => readSecretOptional(env, name));
  const databaseUrl = envOptional(env, 'DATABASE_URL') ?? read('database-url')?.trim();
  if (!databaseUrl) return undefined;
  const jwtSecret = read('jwt-secret')?.trim() || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < JWT_SECRET_MIN_LENGTH) {
    throw new StartupError('CONFIG_INVALID', `the secret jwt-secret in ${secretsDir(env)} has ${jwtSecret.length} characters; at least ${JWT_SECRET_MIN_LENGTH} are needed`, `replace it, e.g. openssl rand -base64 33 > ${secretsDir(env)}/jwt-secret`);
  }
  const anonRole = envString(env, 'REST_ANON_ROLE', 'web_anon');
  return { databaseUrl, enabled, jwtSecret, anonRole };
}
