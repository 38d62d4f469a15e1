import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@typedcluster/core';
import type { FunctionDefinition } from './function-definition.js';
import { checkSecretsExist, createSecretMounts, mountedSecrets } from './function-secrets.js';

const def = (name: string, secrets: string[]) => ({ name, secrets }) as unknown as FunctionDefinition;

describe('function secrets', () => {
  let source: string;
  let root: string;
  beforeEach(() => {
    source = mkdtempSync(join(tmpdir(), 'secrets-src-'));
    root = mkdtempSync(join(tmpdir(), 'secrets-mnt-'));
    for (const s of ['platform-kx-secret', 'basic-auth-password']) writeFileSync(join(source, s), `${s}-value\n`);
  });
  afterEach(() => {
    rmSync(source, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  it('gives a function only the secrets it names', () => {
    const mounts = createSecretMounts(source, root);
    const verify = mounts.dirFor(def('verify', ['platform-kx-secret']));
    assert.deepEqual(mountedSecrets(verify), ['platform-kx-secret']);
    assert.equal(readFileSync(join(verify, 'platform-kx-secret'), 'utf8'), 'platform-kx-secret-value\n');
    assert.deepEqual(mountedSecrets(mounts.dirFor(def('ingest', []))), []);
  });

  it('rebuilds a folder on respawn, so a rotated or newly named secret applies', () => {
    const mounts = createSecretMounts(source, root);
    mounts.dirFor(def('f', ['platform-kx-secret']));
    writeFileSync(join(source, 'platform-kx-secret'), 'rotated\n');
    const dir = mounts.dirFor(def('f', ['platform-kx-secret', 'basic-auth-password']));
    assert.deepEqual(mountedSecrets(dir), ['basic-auth-password', 'platform-kx-secret']);
    assert.equal(readFileSync(join(dir, 'platform-kx-secret'), 'utf8'), 'rotated\n');
  });

  it('refuses to start when a named secret is missing, saying which and how to create it', () => {
    assert.throws(
      () => checkSecretsExist([def('ok', ['platform-kx-secret']), def('store', ['database-url'])], source),
      (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_MISSING' && /store needs secret "database-url"/.test(e.message) && /faas-cli secret create database-url/.test(e.hint),
    );
  });
});
