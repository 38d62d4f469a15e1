import { readFileSync } from 'node:fs';
import { envDurationMs, envInt, envOptional, envString, readSecretOptional, StartupError, type Env } from '@typedcluster/core';
import type { ConfigVariable, SecretReader } from '../config/read-gateway-config.js';

/** The TCP listener's settings (docs/wire-format.md §6.4, gateway/README.md "TCP listener"). */
export interface TcpListenerConfig {
  /** 0 picks a free port. */
  readonly port: number;
  readonly bindAddress: string;
  /** PEM certificate chain and key: TLS when set, plain TCP when undefined. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** The function every frame goes to, as a frames body. */
  readonly functionName: string;
  /** Frames of one connection open (not yet acknowledged) at most; beyond it the socket is not read (§6.4.5). */
  readonly window: number;
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  readonly concurrency: number;
  readonly batchMax: number;
  readonly batchWaitMs: number;
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;
  readonly retryBackoffMaxMs: number;
}

/** The port `typedcluster up` gives the listener when TCP_PORT is unset. */
export const DEFAULT_TCP_PORT = 8090;
export const TLS_CERT_SECRET = 'tcp-tls-cert';
export const TLS_KEY_SECRET = 'tcp-tls-key';

/** One row per variable, for gateway/README.md (checked by tcp-config.test.ts). */
export const TCP_LISTENER_CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'TCP_PORT', default: `unset (listener off); ${DEFAULT_TCP_PORT} under typedcluster up`, description: 'Port of the TCP listener for devices (docs/wire-format.md §6.4); 0 picks a free one. `typedcluster up` sets 8090, or 0 when PORT=0.' },
  { name: 'TCP_BIND_ADDRESS', default: 'BIND_ADDRESS', description: 'Address the TCP listener listens on; 0.0.0.0 for devices on the network.' },
  { name: 'TCP_TLS_CERT_FILE', default: `unset: secret ${TLS_CERT_SECRET}, else plain TCP`, description: 'PEM certificate (chain) for TLS on the TCP listener; needs TCP_TLS_KEY_FILE. Unset: the secrets tcp-tls-cert and tcp-tls-key in SECRETS_DIR if both exist, else plain TCP.' },
  { name: 'TCP_TLS_KEY_FILE', default: `unset: secret ${TLS_KEY_SECRET}`, description: 'PEM private key for TCP_TLS_CERT_FILE.' },
  { name: 'TCP_FUNCTION', default: 'ingest-binary', description: 'Function that receives the frames, as frames bodies (application/vnd.typedcluster.frames).' },
  { name: 'TCP_WINDOW', default: '256', description: 'Frames of one connection worked on and not yet acknowledged at most; while full the socket is not read (TCP back-pressure).' },
  { name: 'TCP_IDLE_TIMEOUT', default: '120s', description: 'A connection with nothing open and nothing received for this long is closed (CLOSING IDLE_TIMEOUT).' },
  { name: 'TCP_MAX_CONNECTIONS', default: '1000', description: 'Open connections at most; a new one beyond it gets CLOSING TOO_MANY_CONNECTIONS.' },
  { name: 'TCP_CONCURRENCY', default: '8', description: 'Invocations of TCP_FUNCTION running at the same time for the listener (each a batch).' },
  { name: 'TCP_BATCH_MAX', default: '200', description: 'Frames per invocation at most (from any connections).' },
  { name: 'TCP_BATCH_WAIT', default: '5ms', description: 'How long a batch waits for more frames before it is sent.' },
  { name: 'TCP_MAX_ATTEMPTS', default: '5', description: 'Tries of a frame whose invocation fails with 500, 502 FUNCTION_CRASHED or 504 before it is answered RETRY; outages (503, 429, 502 UPSTREAM_FAILED) are retried while the connection waits.' },
  { name: 'TCP_RETRY_BACKOFF', default: '200ms', description: 'First retry delay of a failed invocation; doubles each time up to 10s.' },
];

const PORT_HINT = 'set TCP_PORT to a port such as 8090 (0 picks a free one), or unset it to turn the TCP listener off';

/**
 * Reads the listener's configuration, of-watchdog style: undefined when
 * TCP_PORT is unset (listener off); a bad value fails fast with a
 * StartupError saying what to do. File and secret reads are injected so
 * tests stay pure.
 */
export function readTcpListenerConfig(env: Env, io: { readFile?: (path: string) => string; readSecret?: SecretReader } = {}): TcpListenerConfig | undefined {
  if (envOptional(env, 'TCP_PORT') === undefined) return undefined;
  const port = intOr(env, 'TCP_PORT', DEFAULT_TCP_PORT, 0, 65_535, PORT_HINT);
  const retryBackoffMs = envDurationMs(env, 'TCP_RETRY_BACKOFF', 200);
  if (retryBackoffMs <= 0) throw new StartupError('CONFIG_INVALID', `TCP_RETRY_BACKOFF=${env['TCP_RETRY_BACKOFF']} must be longer than zero`, 'set TCP_RETRY_BACKOFF to a duration like 200ms, or unset it');
  const idleTimeoutMs = envDurationMs(env, 'TCP_IDLE_TIMEOUT', 120_000);
  if (idleTimeoutMs <= 0) throw new StartupError('CONFIG_INVALID', `TCP_IDLE_TIMEOUT=${env['TCP_IDLE_TIMEOUT']} must be longer than zero`, 'set TCP_IDLE_TIMEOUT to a duration like 120s, or unset it');
  return {
    port,
    bindAddress: envString(env, 'TCP_BIND_ADDRESS', envString(env, 'BIND_ADDRESS', '127.0.0.1')),
    tls: readTls(env, io),
    functionName: envString(env, 'TCP_FUNCTION', 'ingest-binary'),
    window: envInt(env, 'TCP_WINDOW', 256, 1, 65_535),
    idleTimeoutMs,
    maxConnections: envInt(env, 'TCP_MAX_CONNECTIONS', 1000, 1, 1_000_000),
    concurrency: envInt(env, 'TCP_CONCURRENCY', 8, 1, 1000),
    batchMax: envInt(env, 'TCP_BATCH_MAX', 200, 1, 10_000),
    batchWaitMs: envDurationMs(env, 'TCP_BATCH_WAIT', 5),
    maxAttempts: envInt(env, 'TCP_MAX_ATTEMPTS', 5, 1, 1000),
    retryBackoffMs,
    retryBackoffMaxMs: Math.max(retryBackoffMs, 10_000),
  };
}

function readTls(env: Env, io: { readFile?: (path: string) => string; readSecret?: SecretReader }): TcpListenerConfig['tls'] {
  const certFile = envOptional(env, 'TCP_TLS_CERT_FILE');
  const keyFile = envOptional(env, 'TCP_TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) {
    const secret = io.readSecret ?? ((name: string) => readSecretOptional(env, name));
    const cert = secret(TLS_CERT_SECRET);
    const key = secret(TLS_KEY_SECRET);
    return cert && key ? { cert, key } : undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    const missing = certFile === undefined ? 'TCP_TLS_CERT_FILE' : 'TCP_TLS_KEY_FILE';
    throw new StartupError('CONFIG_MISSING', `${missing} is not set but its pair is`, 'set both TCP_TLS_CERT_FILE and TCP_TLS_KEY_FILE (PEM files), or neither for plain TCP');
  }
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  return { cert: pem(read, 'TCP_TLS_CERT_FILE', certFile), key: pem(read, 'TCP_TLS_KEY_FILE', keyFile) };
}

function pem(read: (path: string) => string, name: string, path: string): string {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw new StartupError('CONFIG_INVALID', `${name}=${path} cannot be read: ${(e as Error).message}`, `point ${name} at a readable PEM file`);
  }
  if (!text.includes('-----BEGIN ')) throw new StartupError('CONFIG_INVALID', `${name}=${path} is not a PEM file`, `point ${name} at a PEM file (-----BEGIN …)`);
  return text;
}

function intOr(env: Env, name: string, fallback: number, min: number, max: number, hint: string): number {
  try {
    return envInt(env, name, fallback, min, max);
  } catch (e) {
    if (e instanceof StartupError) throw new StartupError(e.code, e.message, hint);
    throw e;
  }
}
