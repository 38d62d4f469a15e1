import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { DEFAULT_SECRETS_DIR, readSecret, readSecretOptional, secretsDir } from './secrets.js';

describe('secrets', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tc-secrets-'));
    env = { SECRETS_DIR: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('secretsDir', () => {
    it('is SECRETS_DIR when set, the OpenFaaS mount otherwise', () => {
      assert.equal(secretsDir(env), dir);
      assert.equal(secretsDir({}), DEFAULT_SECRETS_DIR);
      assert.equal(secretsDir({ SECRETS_DIR: '' }), '/var/openfaas/secrets');
    });
  });

  describe('readSecretOptional', () => {
    it('returns the file content as is when it has no trailing newline', () => {
      writeFileSync(join(dir, 'db-password'), 's3cret');
      assert.equal(readSecretOptional(env, 'db-password'), 's3cret');
    });

    it('trims one trailing newline (LF or CRLF) only', () => {
      writeFileSync(join(dir, 'lf'), 's3cret\n');
      writeFileSync(join(dir, 'crlf'), 's3cret\r\n');
      writeFileSync(join(dir, 'two'), 's3cret\n\n');
      writeFileSync(join(dir, 'spaces'), '  s3cret  \n');
      writeFileSync(join(dir, 'inner'), 'line1\nline2\n');
      assert.equal(readSecretOptional(env, 'lf'), 's3cret');
      assert.equal(readSecretOptional(env, 'crlf'), 's3cret');
      assert.equal(readSecretOptional(env, 'two'), 's3cret\n');
      assert.equal(readSecretOptional(env, 'spaces'), '  s3cret  ');
      assert.equal(readSecretOptional(env, 'inner'), 'line1\nline2');
    });

    it('returns undefined when the secret file is absent', () => {
      assert.equal(readSecretOptional(env, 'missing'), undefined);
    });

    it('returns undefined when SECRETS_DIR itself does not exist', () => {
      assert.equal(readSecretOptional({ SECRETS_DIR: join(dir, 'nope') }, 'x'), undefined);
    });
  });

  describe('readSecret', () => {
    it('returns a present secret, trimmed of its trailing newline', () => {
      writeFileSync(join(dir, 'gateway-token'), 'tok\n');
      assert.equal(readSecret(env, 'gateway-token'), 'tok');
    });

    it('throws CONFIG_MISSING naming the secret and its folder, with a faas-cli hint', () => {
      assert.throws(
        () => readSecret(env, 'gateway-token'),
        (e: unknown) => {
          assert.ok(e instanceof StartupError);
          assert.equal(e.code, 'CONFIG_MISSING');
          assert.ok(e.message.includes('"gateway-token"'), e.message);
          assert.ok(e.message.includes(dir), e.message);
          assert.ok(e.hint.includes('faas-cli secret create gateway-token'), e.hint);
          return true;
        },
      );
    });
  });
});
