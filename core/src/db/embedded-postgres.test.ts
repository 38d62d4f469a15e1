import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../log/logger.js';
import { createDatabase } from './database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { freePort } from './free-port.js';
import { startupErrorOf } from './test-support.js';

describe('embedded PostgreSQL @integration', function () {
  this.timeout(120_000);
  let root: string;
  let lines: string[];
  const running: EmbeddedPostgres[] = [];
  const log = () => createLogger('pg', { level: 'debug', sink: (l) => lines.push(l) });
  const start = async (dataDir: string, port?: number, unsafeFast = true) => {
    const pg = await startEmbeddedPostgres({ dataDir, port: port ?? (await freePort()), log: log(), unsafeFast });
    running.push(pg);
    return pg;
  };

  beforeEach(() => {
    lines = [];
    root = mkdtempSync(join(tmpdir(), 'tc-embedded-'));
    chmodSync(root, 0o755);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((pg) => pg.stop()));
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps data across a restart on the same data dir, running initdb only the first time', async () => {
    const dataDir = join(root, 'data');
    const first = await start(dataDir);
    const db1 = createDatabase(first.url);
    await db1.query('CREATE TABLE kept (v text)');
    await db1.query("INSERT INTO kept VALUES ('still here')");
    await db1.close();
    await first.stop();
    assert.equal(lines.filter((l) => l.includes('initialising a new PostgreSQL cluster')).length, 1);

    const second = await start(dataDir);
    const db2 = createDatabase(second.url);
    assert.deepEqual((await db2.query('SELECT v FROM kept')).rows, [{ v: 'still here' }]);
    await db2.close();
    assert.equal(lines.filter((l) => l.includes('initialising a new PostgreSQL cluster')).length, 1);
    assert.ok(second.url.endsWith('/typedcluster'), 'creates the application database');
    assert.ok(!lines.some((l) => / (INFO|WARN|ERROR) pg: .*LOG: /.test(l)), 'server log lines go to debug only');
  });

  it('refuses a port that is already in use with PORT_IN_USE and a hint', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const e = await startupErrorOf(start(join(root, 'data'), port));
      assert.equal(e.code, 'PORT_IN_USE');
      assert.match(e.message, new RegExp(`${port}`));
      assert.match(e.hint, /PG_PORT|DATABASE_URL/);
    } finally {
      blocker.close();
    }
  });

  it('restarts after a crash whose postmaster.pid names a live, unrelated postgres process', async () => {
    const dataDir = join(root, 'data');
    // Durable settings: with synchronous_commit=off a crash may lose the last commits.
    const first = await start(dataDir, undefined, false);
    const db1 = createDatabase(first.url);
    await db1.query('CREATE TABLE crash (v int)');
    await db1.query('INSERT INTO crash VALUES (1)');
    await db1.close();
    assert.ok(first.pid);
    process.kill(first.pid, 'SIGKILL');
    while (isAlive(first.pid)) await new Promise((r) => setTimeout(r, 50));
    // After a reboot or container restart the old pid often belongs to another process of the
    // same user, which PostgreSQL alone would take for a running postmaster: use another cluster's.
    const other = await start(join(root, 'other'));
    const pidFile = join(dataDir, 'postmaster.pid');
    const [, ...rest] = readFileSync(pidFile, 'utf8').split('\n');
    writeFileSync(pidFile, [String(other.pid), ...rest].join('\n'));

    const second = await start(dataDir, undefined, false);
    const db2 = createDatabase(second.url);
    assert.deepEqual((await db2.query('SELECT v FROM crash')).rows, [{ v: 1 }]);
    await db2.close();
    assert.ok(lines.some((l) => l.includes('removed a stale postmaster.pid')));
  });

  it('refuses a data dir that a running server is using', async () => {
    const dataDir = join(root, 'data');
    await start(dataDir);
    const e = await startupErrorOf(start(dataDir));
    assert.equal(e.code, 'DATA_DIR_INVALID');
    assert.match(e.message, /already running/);
  });

  it('refuses a non-empty directory that holds no cluster', async () => {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'notes.txt'), 'not a cluster');
    const e = await startupErrorOf(start(dataDir));
    assert.equal(e.code, 'DATA_DIR_INVALID');
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
