import { envDurationMs, envInt, envOptional, envString, readSecretOptional, secretsDir, StartupError, type Env } from '@typedcluster/core';
import type { ConfigVariable, SecretReader } from '../config/read-gateway-config.js';

/** The MQTT connector's settings (docs/topics.md, "Delivery: the gateway connector"). */
export interface ConnectorConfig {
  /** e.g. mqtt://127.0.0.1:1883; mqtts:// for TLS. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly clientId: string;
  /** Tries of a message that fails in a way that may be its own fault, before it is dead-lettered. */
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
  /** Messages held unacknowledged at most; beyond it the connector stops reading. */
  readonly inflight: number;
  /** Invocations of one function running at the same time. */
  readonly concurrency: number;
  readonly batchMax: number;
  readonly batchWaitMs: number;
}

/** The secret holding the connector's broker password (docs/topics.md, "Authentication"). */
export const MQTT_PASSWORD_SECRET = 'mqtt-gateway-password';

/** One row per variable, for gateway/README.md (the rows are checked like GATEWAY_CONFIG_VARIABLES). */
export const MQTT_CONNECTOR_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'MQTT_URL', default: 'unset (connector off)', description: 'Broker to subscribe to, e.g. mqtt://127.0.0.1:1883 (mqtts:// for TLS). Unset: no MQTT connector, functions are invoked over HTTP only.' },
  { name: 'MQTT_USERNAME', default: 'gateway', description: 'Username of the connector at the broker.' },
  { name: 'MQTT_PASSWORD', default: `secret ${MQTT_PASSWORD_SECRET}`, description: `Password at the broker; unset: read from the secret ${MQTT_PASSWORD_SECRET} in SECRETS_DIR (set it only for an external broker).` },
  { name: 'MQTT_CLIENT_ID', default: 'typedcluster-gateway', description: 'Client id of the persistent session (clean: false): the broker keeps messages for it while the gateway is away. One gateway per id.' },
  { name: 'MQTT_MAX_ATTEMPTS', default: '5', description: 'Tries of a message whose function answers 500, 502 FUNCTION_CRASHED, 504 or another 5xx, before it is dead-lettered. Outages (502 UPSTREAM_FAILED, 503, 429) never count.' },
  { name: 'MQTT_RETRY_BACKOFF', default: '200ms', description: 'First retry delay of a failed message (and of a reconnect); doubles each time.' },
  { name: 'MQTT_RETRY_BACKOFF_MAX', default: '10s', description: 'Upper bound of the retry and reconnect back-off.' },
  { name: 'MQTT_INFLIGHT', default: '1000', description: 'Messages held unacknowledged at most; beyond it the connector stops reading and the broker keeps the rest.' },
  { name: 'MQTT_CONCURRENCY', default: '8', description: 'Invocations of one function the connector runs at the same time (one message, or one batch, each).' },
  { name: 'MQTT_BATCH_MAX', default: '1000', description: 'Frames per invocation at most (a bundle counts its frames; a JSON batch counts messages), for functions annotated com.typedcluster.batch.' },
  { name: 'MQTT_BATCH_WAIT', default: '40ms', description: 'How long a batch waits for more messages before it is sent; 0 sends what is there. Under load batches fill before it: fewer, larger invocations.' },
];

const URL_HINT = 'set MQTT_URL to a broker URL such as mqtt://127.0.0.1:1883, or unset it to turn the connector off';
const PROTOCOLS = new Set(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'tls:', 'ws:', 'wss:']);

/**
 * Reads the connector's configuration, of-watchdog style: undefined when
 * MQTT_URL is unset (connector off); every other variable has a default; a
 * bad value fails fast with a StartupError saying what to do.
 * `readSecretFile` is injected so the function stays pure in tests.
 */
export function readConnectorConfig(env: Env, readSecretFile?: SecretReader): ConnectorConfig | undefined {
  const url = envOptional(env, 'MQTT_URL');
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StartupError('CONFIG_INVALID', `MQTT_URL=${url} is not a URL`, URL_HINT);
  }
  if (!PROTOCOLS.has(parsed.protocol)) throw new StartupError('CONFIG_INVALID', `MQTT_URL=${url} is not an MQTT URL (${parsed.protocol})`, URL_HINT);

  const read = readSecretFile ?? ((name: string) => readSecretOptional(env, name));
  const password = envOptional(env, 'MQTT_PASSWORD') ?? read(MQTT_PASSWORD_SECRET)?.trim();
  if (!password) {
    const dir = secretsDir(env);
    throw new StartupError(
      'CONFIG_MISSING',
      `MQTT_URL is set but the secret ${MQTT_PASSWORD_SECRET} is missing or empty in ${dir}`,
      `create it (openssl rand -hex 16 > ${dir}/${MQTT_PASSWORD_SECRET}; "typedcluster up" provisions it), set MQTT_PASSWORD for an external broker, or unset MQTT_URL`,
    );
  }
  const retryBackoffMs = positive(env, 'MQTT_RETRY_BACKOFF', 200);
  const retryBackoffMaxMs = positive(env, 'MQTT_RETRY_BACKOFF_MAX', 10_000);
  if (retryBackoffMaxMs < retryBackoffMs) {
    throw new StartupError('CONFIG_INVALID', `MQTT_RETRY_BACKOFF_MAX=${env['MQTT_RETRY_BACKOFF_MAX'] ?? '10s'} is shorter than MQTT_RETRY_BACKOFF=${env['MQTT_RETRY_BACKOFF'] ?? '200ms'}`, 'set MQTT_RETRY_BACKOFF_MAX to at least MQTT_RETRY_BACKOFF');
  }
  return {
    url,
    username: envString(env, 'MQTT_USERNAME', 'gateway'),
    password,
    clientId: clientIdOf(env),
    maxAttempts: envInt(env, 'MQTT_MAX_ATTEMPTS', 5, 1, 1000),
    retryBackoffMs,
    retryBackoffMaxMs,
    inflight: envInt(env, 'MQTT_INFLIGHT', 1000, 1, 65_535),
    concurrency: envInt(env, 'MQTT_CONCURRENCY', 8, 1, 1000),
    batchMax: envInt(env, 'MQTT_BATCH_MAX', 1000, 1, 10_000),
    batchWaitMs: envDurationMs(env, 'MQTT_BATCH_WAIT', 40),
  };
}

function clientIdOf(env: Env): string {
  const id = envString(env, 'MQTT_CLIENT_ID', 'typedcluster-gateway');
  if (id.length > 65_535 || !/^[\x21-\x7e]+$/.test(id)) {
    throw new StartupError('CONFIG_INVALID', `MQTT_CLIENT_ID=${id} must be printable ASCII without spaces`, 'set MQTT_CLIENT_ID to a name like typedcluster-gateway, or unset it');
  }
  return id;
}

function positive(env: Env, name: string, fallbackMs: number): number {
  const ms = envDurationMs(env, name, fallbackMs);
  if (ms <= 0) throw new StartupError('CONFIG_INVALID', `${name}=${env[name]} must be longer than zero`, `set ${name} to a duration like 200ms, or unset it`);
  return ms;
}
