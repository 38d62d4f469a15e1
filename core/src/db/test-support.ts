import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { StartupError } from '../errors/startup-error.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createDatabase, type Database } from './database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { freePort } from './free-port.js';
import { SQL_DIR } from './migration-files.js';
import { migrate } from './migrations.js';

/**
 * For integration tests across the project: one real PostgreSQL per test
 * process, started on first use in its own temp dir on an OS-chosen port,
 * and a fresh migrated database per test or suite. Set TEST_PG_LOG=debug
 * to see the server's log.
 */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** A pool on the new database (max 5 connections); closed by drop(). */
  readonly db: Database;
  /** Closes the pool and drops the database; safe to call twice. */
  drop(): Promise<void>;
}

const TEMPLATE = 'typedcluster_test_template';
const log: Logger = createLogger('test-postgres', { level: process.env['TEST_PG_LOG'] === 'debug' ? 'debug' : 'warn' });
let server: Promise<EmbeddedPostgres> | undefined;
let template: Promise<void> | undefined;
let counter = 0;

/** The shared server: no stop(), it belongs to the whole test process and ends with it. */
export type TestPostgres = Pick<EmbeddedPostgres, 'url' | 'port' | 'pid' | 'urlFor'>;

/** The process-wide test server, started on first call. */
export function getTestPostgres(): Promise<TestPostgres> {
  server ??= startServer().catch((e: unknown) => {
    server = undefined; // let a later test retry instead of caching the failure
    throw e;
  });
  return server;
}

/**
 * A new database named `<prefix>_<n>_<random>`, with every sql/ migration
 * applied (cloned from a migrated template, then checked by migrate()).
 * `{ migrated: false }` gives an empty database instead (for migration tests).
 */
export async function createTestDatabase(prefix = 'test', opts: { readonly migrated?: boolean } = {}): Promise<TestDatabase> {
  const pgServer = await getTestPostgres();
  const migrated = opts.migrated ?? true;
  if (migrated) {
    template ??= makeTemplate(pgServer).catch((e: unknown) => {
      template = undefined;
      throw e;
    });
    await template;
  }
  const name = `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30)}_${++counter}_${randomBytes(3).toString('hex')}`;
  await admin(pgServer, migrated ? `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}` : `CREATE DATABASE ${name}`);
  const url = pgServer.urlFor(name);
  const db = createDatabase(url, { max: 5, log });
  if (migrated) await migrate(db, SQL_DIR, log);
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      await db.close();
      await admin(pgServer, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    })());
  return { name, url, db, drop };
}

async function startServer(): Promise<EmbeddedPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'typedcluster-pg-'));
  chmodSync(dir, 0o755); // the server runs as "postgres" when we are root and must reach dir/data
  try {
    // Another suite may grab the port between freePort() and the server's bind: try again.
    for (let attempt = 1; ; attempt++) {
      try {
        const started = await startEmbeddedPostgres({
          dataDir: join(dir, 'data'),
          port: await freePort(),
          log,
          unsafeFast: true,
          settings: { max_connections: '300' },
        });
        watchUntilExit(started.pid, dir);
        return started;
      } catch (e) {
        if (!(e instanceof StartupError && e.code === 'PORT_IN_USE') || attempt >= 3) throw e;
      }
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A detached shell outlives us even if we are killed (SIGKILL, a crashed
 * mocha): once our pid is gone it stops the server and removes the temp dir.
 */
function watchUntilExit(postmasterPid: number | undefined, dir: string): void {
  const script = `
    while kill -0 "$PARENT" 2>/dev/null; do sleep 0.5; done
    if [ -n "$PM" ]; then
      kill -INT "$PM" 2>/dev/null; i=0
      while kill -0 "$PM" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
      kill -KILL "$PM" 2>/dev/null
    fi
    rm -rf "$DIR"`;
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PARENT: String(process.pid), PM: postmasterPid ? String(postmasterPid) : '', DIR: dir };
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env }).unref();
}

async function makeTemplate(pgServer: TestPostgres): Promise<void> {
  await admin(pgServer, `DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin(pgServer, `CREATE DATABASE ${TEMPLATE}`);
  const db = createDatabase(pgServer.urlFor(TEMPLATE), { max: 1, log });
  try {
    await migrate(db, SQL_DIR, log);
  } finally {
    await db.close(); // CREATE DATABASE … TEMPLATE needs the template to have no connections
  }
}

/** One short-lived connection per admin statement: nothing lingers to keep the process alive. */
async function admin(pgServer: TestPostgres, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgServer.urlFor('postgres') });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Awaits `p`, which must reject with a StartupError, and returns it for its code, message and hint. */
export async function startupErrorOf(p: Promise<unknown>): Promise<StartupError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StartupError) return e;
    throw new Error(`expected a StartupError, got ${String(e)}`);
  }
  throw new Error('expected a rejection with a StartupError');
}
