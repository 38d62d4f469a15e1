import type { Level, Logger } from '@typedcluster/core';

const CORE_LINE = /^\d{4}-\d\d-\d\dT\S+ (DEBUG|INFO|WARN|ERROR) (.*)$/;

/**
 * Re-emits a function's output line in the gateway log under the
 * function's name. Lines in the core logger's format keep their level and
 * lose their own timestamp; other stdout lines are info, stderr lines warn.
 */
export function forwardLogLine(fnLog: Logger, name: string, line: string, stream: 'stdout' | 'stderr'): void {
  if (line.trim() === '') return;
  const m = CORE_LINE.exec(line);
  if (m) {
    const level = m[1]!.toLowerCase() as Level;
    const rest = m[2]!;
    fnLog[level](rest.startsWith(`${name}: `) ? rest.slice(name.length + 2) : rest);
    return;
  }
  if (stream === 'stdout') fnLog.info(line);
  else fnLog.warn(line);
}
