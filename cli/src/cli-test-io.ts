import type { Io } from './command.js';

/** An Io that records what a user would see, for tests. */
export function recordingIo(env: Record<string, string>, cwd: string): Io & { readonly outLines: string[]; readonly errLines: string[] } {
  const outLines: string[] = [];
  const errLines: string[] = [];
  return { outLines, errLines, env, cwd, out: (l) => outLines.push(l), err: (l) => errLines.push(l) };
}
