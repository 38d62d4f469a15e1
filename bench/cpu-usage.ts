import { readdir, readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** CPU seconds (user + system) a process has used so far, from /proc; undefined when gone or not Linux. */
export async function cpuSeconds(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined;
}

/**
 * CPU seconds of a process and all its children, the exited ones included
 * (the kernel adds a child's time to its parent's cutime/cstime when it is
 * reaped): for PostgreSQL, the postmaster with every backend it ever ran.
 */
export async function cpuSecondsOfTree(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime 14, stime 15, cutime 16, cstime 17 (fields counted from 1; rest starts at field 3).
  const own = [11, 12, 13, 14].map((i) => Number(rest[i]));
  if (!own.every(Number.isFinite)) return undefined;
  let ticks = own.reduce((a, b) => a + b, 0);
  for (const child of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(child)) continue;
    const s = await readFile(`/proc/${child}/stat`, 'utf8').catch(() => '');
    const r = s.slice(s.lastIndexOf(')') + 2).split(' ');
    if (Number(r[1]) === pid) ticks += Number(r[11]) + Number(r[12]) + Number(r[13]) + Number(r[14]);
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
