import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log/logger.js';
import { createDatabase } from './database.js';
import { readMigrationFiles, SQL_DIR } from './migration-files.js';
import { migrate } from './migrations.js';
import { createTestDatabase, startupErrorOf, type TestDatabase } from './test-support.js';

const log = createLogger('migrate-test', { level: 'error' });

describe('migrations @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let sqlDir: string;

  beforeEach(async () => {
    t = await createTestDatabase('migrations', { migrated: false });
    // A private copy of sql/, so tests can add and edit files.
    sqlDir = mkdtempSync(join(tmpdir(), 'tc-sql-'));
    cpSync(SQL_DIR, sqlDir, { recursive: true });
  });
  afterEach(async () => {
    await t.drop();
    rmSync(sqlDir, { recursive: true, force: true });
  });

  const tables = async () =>
    (await t.db.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.t);

  it('applies sql/ to an empty database once; a second run applies nothing', async () => {
    const files = await readMigrationFiles(SQL_DIR);
    const first = await migrate(t.db, sqlDir, log);
    assert.deepEqual(first, files.map((f) => ({ version: f.version, name: f.name })));
    // Later files add tables; the core ones and the migrator's own must be there.
    const present = await tables();
    for (const t of ['cycle_phases', 'device_sessions', 'devices', 'frames', 'readings', 'anomaly_reports', 'schema_migrations']) assert.ok(present.includes(t), `table ${t} missing from ${present.join(', ')}`);
    assert.deepEqual(await migrate(t.db, sqlDir, log), []);
    const recorded = (await t.db.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations ORDER BY version')).rows;
    const core = readFileSync(join(SQL_DIR, '001_core.sql'), 'utf8');
    assert.equal(recorded[0]?.checksum, createHash('sha256').update(core.replace(/\r\n/g, '\n')).digest('hex'));
    const comment = (await t.db.query("SELECT obj_description('frames'::regclass) AS c")).rows[0]?.['c'];
    assert.match(String(comment), /ledger/);
  });

  it('applies only new files on a later start, in number order', async () => {
    await migrate(t.db, sqlDir, log);
    // Numbered far above the real migrations, so adding one to sql/ never collides with the test.
    writeFileSync(join(sqlDir, '901_b.sql'), 'ALTER TABLE a ADD COLUMN y int;');
    writeFileSync(join(sqlDir, '900_a.sql'), 'CREATE TABLE a (x int);');
    assert.deepEqual(await migrate(t.db, sqlDir, log), [{ version: 900, name: 'a' }, { version: 901, name: 'b' }]);
    const cols = (await t.db.query("SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'a' ORDER BY ordinal_position")).rows;
    assert.deepEqual(cols, [{ c: 'x' }, { c: 'y' }]);
  });

  it('refuses to start when an applied file was edited', async () => {
    await migrate(t.db, sqlDir, log);
    writeFileSync(join(sqlDir, '001_core.sql'), readFileSync(join(sqlDir, '001_core.sql'), 'utf8') + '\nCREATE TABLE sneaky (x int);\n');
    const e = await startupErrorOf(migrate(t.db, sqlDir, log));
    assert.equal(e.code, 'MIGRATION_CHANGED');
    assert.match(e.message, /001_core\.sql was changed/);
    assert.match(e.hint, /new migration/);
    assert.ok(!(await tables()).includes('sneaky'));
  });

  it('rolls back a failing file completely and names its line', async () => {
    await migrate(t.db, sqlDir, log);
    writeFileSync(join(sqlDir, '900_bad.sql'), 'CREATE TABLE half (x int);\nINSERT INTO half VALUES (1);\nSELECT 1 / 0 FROM nowhere;\n');
    const e = await startupErrorOf(migrate(t.db, sqlDir, log));
    assert.equal(e.code, 'MIGRATION_FAILED');
    assert.match(e.message, /900_bad\.sql, line 3: relation "nowhere" does not exist/);
    assert.ok(!(await tables()).includes('half'));
    assert.equal((await t.db.query('SELECT count(*)::int AS n FROM schema_migrations WHERE version = 900')).rows[0]?.['n'], 0);
    writeFileSync(join(sqlDir, '900_bad.sql'), 'CREATE TABLE half (x int);\n');
    assert.deepEqual(await migrate(t.db, sqlDir, log), [{ version: 900, name: 'bad' }]);
  });

  it('is safe when two processes migrate the same database at once', async () => {
    writeFileSync(join(sqlDir, '900_slow.sql'), 'SELECT pg_sleep(0.3); CREATE TABLE slow (x int);');
    const a = createDatabase(t.url, { max: 1 });
    const b = createDatabase(t.url, { max: 1 });
    try {
      const [ra, rb] = await Promise.all([migrate(a, sqlDir, log), migrate(b, sqlDir, log)]);
      // One of them did all the work; the other waited for the lock and found nothing to do.
      const all = (await readMigrationFiles(sqlDir)).length;
      assert.deepEqual([ra.length, rb.length].sort(), [0, all]);
      assert.equal((await t.db.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]?.['n'], all);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses misnamed and same-numbered files', async () => {
    writeFileSync(join(sqlDir, '2_oops.sql'), 'SELECT 1;');
    assert.equal((await startupErrorOf(migrate(t.db, sqlDir, log))).code, 'MIGRATION_FAILED');
    rmSync(join(sqlDir, '2_oops.sql'));
    writeFileSync(join(sqlDir, '001_again.sql'), 'SELECT 1;');
    assert.match((await startupErrorOf(readMigrationFiles(sqlDir))).message, /share version 1/);
  });
});
