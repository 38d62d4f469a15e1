import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';

/**
 * Keeps an outbox directory to one writer: a second writer would corrupt
 * the log. Across processes, `<dir>/lock` holds the pid of the owner; within
 * this process (where the pid is the same) `openHere` does the job.
 */

/** Directories this process has open: a second open would corrupt the log. */
export const openHere = new Set<string>();

/** Removes the lock file; a failure is ignored (a stale lock is taken over by the next open). */
export const removeLockFile = (dir: string): Promise<void> => unlink(join(dir, 'lock')).catch(() => {});

/** Creates the lock file, taking it over when its process is gone. Throws StartupError otherwise. */
export async function takeLock(dir: string): Promise<void> {
  const file = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StartupError('CONFIG_INVALID', `cannot lock outbox ${dir}: ${(e as Error).message}`, 'check the permissions of TYPEDCLUSTER_HOME');
      }
    }
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new StartupError('CONFIG_INVALID', `outbox ${dir} is in use by process ${pid}`, 'stop that process, or give this one another TYPEDCLUSTER_HOME');
    }
    await unlink(file).catch(() => {}); // stale: its process is gone
  }
  throw new StartupError('CONFIG_INVALID', `cannot lock outbox ${dir}`, 'another process keeps taking it');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
