import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { envDurationMs, envInt, envString, envUrl, secretsDir, type Env } from '@typedcluster/core';

/**
 * What the bootstrap reads from its environment. The same variables work
 * under of-watchdog (http mode, upstream on PORT 3000) and as a child
 * process of the one-box gateway (PORT=0, the port reported over IPC).
 */
export interface BootstrapConfig {
  /** Absolute path of the function module (handler.ts or handler.js). */
  readonly handlerPath: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly maxBodyBytes: number;
  readonly secretsDir: string;
  readonly gatewayUrl: string;
  readonly functionName: string;
  /** How long SIGTERM waits for in-flight requests before teardown. */
  readonly drainTimeoutMs: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Pure apart from `exists`, which picks the default handler file: the
 * image has a compiled `function/handler.js`, a source tree `handler.ts`.
 */
export function readBootstrapConfig(env: Env, here: string, exists: (path: string) => boolean = existsSync): BootstrapConfig {
  return {
    handlerPath: handlerPathOf(env, here, exists),
    port: envInt(env, 'PORT', 3000, 0, 65535),
    bindAddress: envString(env, 'BIND_ADDRESS', '127.0.0.1'),
    maxBodyBytes: envInt(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1),
    secretsDir: secretsDir(env),
    gatewayUrl: envUrl(env, 'GATEWAY_URL', 'http://gateway.openfaas:8080').replace(/\/+$/, ''),
    functionName: envString(env, 'FUNCTION_NAME', 'function'),
    drainTimeoutMs: envDurationMs(env, 'DRAIN_TIMEOUT', 10_000),
  };
}

function handlerPathOf(env: Env, here: string, exists: (path: string) => boolean): string {
  const given = env['HANDLER_PATH'];
  if (given) return isAbsolute(given) ? given : resolve(given);
  const js = join(here, 'function', 'handler.js');
  return exists(js) ? js : join(here, 'function', 'handler.ts');
}
