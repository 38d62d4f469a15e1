import {
  connectOrExplain,
  isPortFree,
  migrate,
  startEmbeddedPostgres,
  SQL_DIR,
  type Database,
  type Logger,
} from '@typedcluster/core';
import type { CliConfig } from '../cli-config.js';

export interface PlatformDatabase {
  readonly url: string;
  readonly db: Database;
  /** 'embedded' when this process started PostgreSQL and will stop it. */
  readonly mode: 'embedded' | 'embedded-shared' | 'external';
  stop(): Promise<void>;
}

const USER = 'postgres';
const DATABASE = 'typedcluster';

/**
 * Opens the platform's database and brings its schema up to date:
 * DATABASE_URL when set; else the embedded PostgreSQL in TYPEDCLUSTER_HOME,
 * started here, or joined when another typedcluster process (a running
 * `up`) already serves it on PG_PORT.
 */
export async function openPlatformDatabase(config: CliConfig, pgPassword: string, log: Logger): Promise<PlatformDatabase> {
  if (config.databaseUrl) {
    const db = await connectOrExplain(config.databaseUrl, { log, urlVar: 'DATABASE_URL' });
    await migrate(db, SQL_DIR, log);
    return { url: config.databaseUrl, db, mode: 'external', stop: () => db.close() };
  }
  const url = `postgres://${USER}:${encodeURIComponent(pgPassword)}@127.0.0.1:${config.pgPort}/${DATABASE}`;
  if (!(await isPortFree(config.pgPort))) {
    const db = await connectOrExplain(url, { log, urlVar: 'PG_PORT' });
    await migrate(db, SQL_DIR, log);
    return { url, db, mode: 'embedded-shared', stop: () => db.close() };
  }
  log.info('starting embedded PostgreSQL', { dataDir: config.pgDataDir, port: config.pgPort });
  const pg = await startEmbeddedPostgres({ dataDir: config.pgDataDir, port: config.pgPort, user: USER, password: pgPassword, database: DATABASE, log: log.child('postgres') });
  const db = await connectOrExplain(pg.url, { log });
  await migrate(db, SQL_DIR, log);
  return {
    url: pg.url,
    db,
    mode: 'embedded',
    stop: async () => {
      await db.close();
      await pg.stop();
    },
  };
}
