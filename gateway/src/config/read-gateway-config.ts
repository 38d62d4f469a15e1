import { envBool, envDurationMs, envInt, envString, readSecretOptional, secretsDir, StartupError, type Env } from '@typedcluster/core';

export interface BasicAuthCredentials {
  readonly user: string;
  readonly password: string;
}

export interface GatewayConfig {
  readonly port: number;
  readonly bindAddress: string;
  readonly stackFile: string;
  readonly secretsDir: string;
  /** undefined when BASIC_AUTH=false. */
  readonly basicAuth: BasicAuthCredentials | undefined;
  /** Default per-request limit; a function's own `exec_timeout` environment wins. */
  readonly execTimeoutMs: number;
  readonly readyTimeoutMs: number;
  readonly readyWaitMs: number;
  readonly restartBackoffMaxMs: number;
  readonly asyncQueueMax: number;
  readonly asyncConcurrency: number;
  readonly maxBodyBytes: number;
  readonly shutdownTimeoutMs: number;
}

/** One row per variable, for the README and `--help`. */
export interface ConfigVariable {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

export const GATEWAY_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'PORT', default: '8080', description: 'TCP port of the gateway API (0 picks a free one).' },
  { name: 'BIND_ADDRESS', default: '127.0.0.1', description: 'Address to listen on; 0.0.0.0 exposes the gateway to the network.' },
  { name: 'STACK_FILE', default: 'stack.yml', description: 'The stack file whose functions are started.' },
  { name: 'SECRETS_DIR', default: '/var/openfaas/secrets', description: 'Folder of secret files: basic-auth-user, basic-auth-password and the functions\' secrets. Functions get the same SECRETS_DIR.' },
  { name: 'BASIC_AUTH', default: 'true', description: 'Require basic auth on /system/* (credentials from the basic-auth-user and basic-auth-password secrets, as faasd).' },
  { name: 'EXEC_TIMEOUT', default: '30s', description: 'Default exec timeout per request; a function\'s `exec_timeout` environment in stack.yml wins. On expiry: 504 and the process is restarted.' },
  { name: 'READY_TIMEOUT', default: '30s', description: 'How long a started function may take to load and run setup() before it is killed and restarted.' },
  { name: 'READY_WAIT', default: '10s', description: 'How long a request waits for a (re)starting function before 503 FUNCTION_UNAVAILABLE.' },
  { name: 'RESTART_BACKOFF_MAX', default: '30s', description: 'Upper bound of the exponential restart back-off (starts at 250ms, resets after 30s up).' },
  { name: 'ASYNC_QUEUE_MAX', default: '1000', description: 'Async invocations waiting at most; beyond it POST /async-function answers 429 QUEUE_FULL.' },
  { name: 'ASYNC_CONCURRENCY', default: '4', description: 'Async invocations run at the same time.' },
  { name: 'MAX_BODY_BYTES', default: '1048576', description: 'Largest request body accepted (413 TOO_LARGE beyond); also passed to the functions.' },
  { name: 'SHUTDOWN_TIMEOUT', default: '10s', description: 'On stop, how long functions may drain before they are killed.' },
];

export type SecretReader = (name: string) => string | undefined;

const BASIC_AUTH_HINT = (dir: string): string =>
  `create them, e.g. mkdir -p ${dir} && echo admin > ${dir}/basic-auth-user && openssl rand -hex 16 > ${dir}/basic-auth-password (or set BASIC_AUTH=false on a trusted box)`;

/**
 * Reads the gateway's configuration, of-watchdog style: every variable has
 * a default, a bad value fails fast with a StartupError saying what to do.
 * `readSecretFile` is injected so the function stays pure in tests.
 */
export function readGatewayConfig(env: Env, readSecretFile?: SecretReader): GatewayConfig {
  const dir = secretsDir(env);
  const read = readSecretFile ?? ((name: string) => readSecretOptional(env, name));
  return {
    port: envInt(env, 'PORT', 8080, 0, 65535),
    bindAddress: envString(env, 'BIND_ADDRESS', '127.0.0.1'),
    stackFile: envString(env, 'STACK_FILE', 'stack.yml'),
    secretsDir: dir,
    basicAuth: envBool(env, 'BASIC_AUTH', true) ? readBasicAuth(read, dir) : undefined,
    execTimeoutMs: positive(env, 'EXEC_TIMEOUT', envDurationMs(env, 'EXEC_TIMEOUT', 30_000)),
    readyTimeoutMs: positive(env, 'READY_TIMEOUT', envDurationMs(env, 'READY_TIMEOUT', 30_000)),
    readyWaitMs: envDurationMs(env, 'READY_WAIT', 10_000),
    restartBackoffMaxMs: positive(env, 'RESTART_BACKOFF_MAX', envDurationMs(env, 'RESTART_BACKOFF_MAX', 30_000)),
    asyncQueueMax: envInt(env, 'ASYNC_QUEUE_MAX', 1000, 0),
    asyncConcurrency: envInt(env, 'ASYNC_CONCURRENCY', 4, 1, 1000),
    maxBodyBytes: envInt(env, 'MAX_BODY_BYTES', 1024 * 1024, 1),
    shutdownTimeoutMs: envDurationMs(env, 'SHUTDOWN_TIMEOUT', 10_000),
  };
}

function readBasicAuth(read: SecretReader, dir: string): BasicAuthCredentials {
  const user = read('basic-auth-user')?.trim();
  const password = read('basic-auth-password')?.trim();
  const missing = [user ? undefined : 'basic-auth-user', password ? undefined : 'basic-auth-password'].filter(Boolean);
  if (!user || !password) {
    throw new StartupError('CONFIG_MISSING', `BASIC_AUTH is on but the secret ${missing.join(' and ')} is missing or empty in ${dir}`, BASIC_AUTH_HINT(dir));
  }
  return { user, password };
}

function positive(env: Env, name: string, ms: number): number {
  if (ms <= 0) throw new StartupError('CONFIG_INVALID', `${name}=${env[name]} must be longer than zero`, `set ${name} to a duration like 30s, or unset it`);
  return ms;
}
