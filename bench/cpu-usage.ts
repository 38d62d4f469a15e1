import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/**
 * The fields of /proc/<pid>/stat after the parenthesised command name, so
 * index 0 is field 3 (state), 1 ppid, 11 utime, 12 stime, 13 cutime, 14
 * cstime (clock ticks); empty when the process is gone or this is not Linux.
 */
async function statFields(pid: number | string): Promise<string[]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : [];
}

const ticksOf = (fields: readonly string[], ...at: number[]): number => at.reduce((n, i) => n + Number(fields[i]), 0);

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when gone or not Linux. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  const ticks = ticksOf(await statFields(pid), 11, 12);
  return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
}

/**
 * CPU seconds of a process and all its children, the exited ones included
 * (the kernel adds a child's time to its parent's cutime/cstime when it is
 * reaped): for PostgreSQL, the postmaster with every backend it ever ran.
 */
export async function cpuSecondsOfTree(pid: number): Promise<number | undefined> {
  let ticks = ticksOf(await statFields(pid), 11, 12, 13, 14);
  if (!Number.isFinite(ticks)) return undefined;
  for (const child of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(child)) continue;
    const fields = await statFields(child);
    if (Number(fields[1]) === pid) ticks += ticksOf(fields, 11, 12, 13, 14);
  }
  return ticks / TICKS_PER_SECOND;
}

/** The process id of the PostgreSQL postmaster serving `dataDir`, from its postmaster.pid. */
export async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(`${dataDir}/postmaster.pid`, 'utf8').catch(() => '')).split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** CPU seconds of every process whose command is `name` (e.g. all PostgreSQL backends alive now). */
export async function cpuSecondsByName(name: string): Promise<number> {
  let total = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (comm === name) total += (await cpuSeconds(Number(pid))) ?? 0;
  }
  return total;
}
