import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@typedcluster/core';
import type { FunctionDefinition } from './function-definition.js';

/**
 * faasd and OpenFaaS mount into a function only the secrets its stack entry
 * names. The one-box gateway does the same: each function's SECRETS_DIR is
 * its own folder of links to the named files in the gateway's SECRETS_DIR,
 * so ingest-binary cannot read the platform key or the gateway's
 * basic-auth password.
 */
export interface SecretMounts {
  /** (Re)builds the function's folder (at every spawn, so redeploys and rotations apply) and returns its path. */
  dirFor(def: FunctionDefinition): string;
  /** Removes every folder. */
  remove(): void;
}

export function createSecretMounts(sourceDir: string, root = mkdtempSync(join(tmpdir(), 'typedcluster-secrets-'))): SecretMounts {
  return {
    dirFor(def) {
      const dir = join(root, def.name);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const name of def.secrets) {
        const source = join(sourceDir, name);
        if (existsSync(source)) symlinkSync(source, join(dir, name));
      }
      return dir;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The secrets a function names that are not in `sourceDir`. */
export const missingSecrets = (def: FunctionDefinition, sourceDir: string): string[] => def.secrets.filter((s) => !existsSync(join(sourceDir, s)));

/** Start-up check: every secret a function names must exist, or nothing starts. */
export function checkSecretsExist(defs: readonly FunctionDefinition[], sourceDir: string): void {
  for (const d of defs) {
    const missing = missingSecrets(d, sourceDir);
    if (missing.length > 0) {
      throw new StartupError(
        'CONFIG_MISSING',
        `function ${d.name} needs secret${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}, not found in ${sourceDir}`,
        `create ${join(sourceDir, missing[0]!)} (faas-cli secret create ${missing[0]} --from-file=…), or remove it from stack.yml`,
      );
    }
  }
}

/** Names of the secrets a function can see, for tests and describe. */
export const mountedSecrets = (dir: string): string[] => readdirSync(dir).sort();
