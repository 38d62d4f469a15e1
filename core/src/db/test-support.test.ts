import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, getTestPostgres } from './test-support.js';

describe('test support @integration', function () {
  this.timeout(60_000);

  it('shares one server per process', async () => {
    const [a, b] = await Promise.all([getTestPostgres(), getTestPostgres()]);
    assert.equal(a, b);
    assert.ok(a.port > 0);
  });

  it('gives each caller its own migrated database, dropped by drop()', async () => {
    const [a, b] = await Promise.all([createTestDatabase('Support A!'), createTestDatabase('support_b')]);
    assert.match(a.name, /^support_a__\d+_[0-9a-f]{6}$/);
    assert.notEqual(a.name, b.name);
    await a.db.query("INSERT INTO devices (id, name, identity_public_key) VALUES (1, 'only-in-a', decode(repeat('00', 32), 'hex'))");
    assert.equal((await b.db.query('SELECT count(*)::int AS n FROM devices')).rows[0]?.['n'], 0);
    assert.equal((await b.db.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]?.['n'] as number > 0, true);

    await a.drop();
    await a.drop();
    await b.drop();
    const admin = new pg.Client({ connectionString: (await getTestPostgres()).urlFor('postgres') });
    await admin.connect();
    const left = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[a.name, b.name]]);
    await admin.end();
    assert.equal(left.rowCount, 0);
  });
});
