import assert from 'node:assert/strict';
import pg from 'pg';
import { createLogger } from '../log/logger.js';
import { createDatabase, type Database } from './database.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

describe('database pool @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let db: Database;
  let lines: string[];

  before(async () => {
    t = await createTestDatabase('database');
    await t.db.query('CREATE TABLE notes (v text)');
  });
  beforeEach(() => {
    lines = [];
    db = createDatabase(t.url, { max: 2, applicationName: 'db-test', log: createLogger('db', { level: 'debug', sink: (l) => lines.push(l) }) });
  });
  afterEach(() => db.close());
  after(() => t?.drop());

  const terminateOthers = async () => {
    // A server restart or an admin's pg_terminate_backend, seen from our pool.
    const admin = new pg.Client({ connectionString: t.url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'db-test'");
    await admin.end();
  };

  it('commits what withTransaction returns', async () => {
    const r = await db.withTransaction(async (tx) => {
      await tx.query("INSERT INTO notes VALUES ('committed')");
      return 'done';
    });
    assert.equal(r, 'done');
    assert.equal((await db.query("SELECT count(*)::int AS n FROM notes WHERE v = 'committed'")).rows[0]?.['n'], 1);
  });

  it('rolls back and rethrows when the function throws, and the pool stays usable', async () => {
    await assert.rejects(
      db.withTransaction(async (tx) => {
        await tx.query("INSERT INTO notes VALUES ('rolled back')");
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await db.query("SELECT count(*)::int AS n FROM notes WHERE v = 'rolled back'")).rows[0]?.['n'], 0);
    await assert.rejects(db.withTransaction((tx) => tx.query('SELECT * FROM no_such_table')), /no_such_table/);
    assert.equal((await db.query('SELECT 2 AS two')).rows[0]?.['two'], 2);
  });

  it('survives idle connections being killed: logs, does not crash, reconnects', async () => {
    await Promise.all([db.query('SELECT pg_sleep(0.05)'), db.query('SELECT pg_sleep(0.05)')]);
    await terminateOthers();
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('idle PostgreSQL connection dropped')); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(lines.some((l) => l.includes('WARN') && l.includes('idle PostgreSQL connection dropped')));
    assert.equal((await db.query('SELECT 3 AS three')).rows[0]?.['three'], 3);
  });

  it('survives a connection killed while checked out', async () => {
    await assert.rejects(
      db.withClient(async (c) => {
        await terminateOthers();
        await c.query('SELECT 1');
      }),
    );
    assert.equal((await db.query('SELECT 4 AS four')).rows[0]?.['four'], 4);
  });

  it('closes twice without error', async () => {
    await db.close();
    await db.close();
    await assert.rejects(db.query('SELECT 1'));
  });
});
