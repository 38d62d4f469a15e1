import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import type { Env } from './env-parsers.js';

/** Where OpenFaaS mounts secrets; `SECRETS_DIR` overrides it (the one-box gateway sets it). */
export const DEFAULT_SECRETS_DIR = '/var/openfaas/secrets';

export const secretsDir = (env: Env): string => env['SECRETS_DIR'] || DEFAULT_SECRETS_DIR;

/** Reads a secret file, trimmed of one trailing newline; undefined when absent. */
export function readSecretOptional(env: Env, name: string): string | undefined {
  try {
    return readFileSync(join(secretsDir(env), name), 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function readSecret(env: Env, name: string): string {
  const v = readSecretOptional(env, name);
  if (v === undefined) {
    throw new StartupError(
      'CONFIG_MISSING',
      `secret "${name}" not found in ${secretsDir(env)}`,
      `create it (faas-cli secret create ${name} --from-file=…) or run "typedcluster up", which provisions it`,
    );
  }
  return v;
}
