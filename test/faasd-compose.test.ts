import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { imageTag } from './support/dockerfile.js';

/** faasd/docker-compose.yaml: services to merge into /var/lib/faasd/docker-compose.yaml. */
const FILE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../faasd/docker-compose.yaml');

interface Bind {
  type: string;
  source: string;
  target: string;
}
interface Service {
  image: string;
  environment?: string[];
  volumes?: Bind[];
  ports?: string[];
  user?: string;
}

describe('faasd/docker-compose.yaml', () => {
  const doc = parse(readFileSync(FILE, 'utf8')) as { version: string; services: Record<string, Service> };
  const pg = doc.services['postgresql'] as Service;

  it('parses as a compose file with a postgresql service', () => {
    assert.equal(doc.version, '3.7');
    assert.ok(pg, 'services.postgresql');
  });

  it('uses a fully qualified, pinned PostgreSQL image (containerd pulls no short names)', () => {
    const { name, tag } = imageTag(pg.image);
    assert.equal(name, 'docker.io/library/postgres');
    assert.notEqual(tag, 'latest');
    assert.match(tag, /^\d+/);
  });

  it('keeps state and the password file under /var/lib/faasd (relative binds)', () => {
    const binds = pg.volumes ?? [];
    assert.ok(binds.length >= 2);
    for (const b of binds) {
      assert.equal(b.type, 'bind');
      assert.match(b.source, /^\.\//, `${b.source} resolves from /var/lib/faasd`);
    }
    assert.ok(binds.some((b) => b.target === '/var/lib/postgresql/data'));
    const env = Object.fromEntries((pg.environment ?? []).map((e) => e.split('=', 2) as [string, string]));
    assert.equal(env['POSTGRES_PASSWORD'], undefined, 'no password in the environment');
    assert.ok(binds.some((b) => b.target === env['POSTGRES_PASSWORD_FILE']), 'the password file is mounted');
    assert.equal(env['POSTGRES_DB'], 'typedcluster');
  });

  it('listens only on the faasd bridge, where functions reach it', () => {
    assert.deepEqual(pg.ports, ['10.62.0.1:5432:5432']);
  });
});
