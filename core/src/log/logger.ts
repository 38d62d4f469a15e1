/**
 * One-line, self-explaining logs: `2026-11-21T07:40:00.000Z INFO gateway: message key=value`.
 * The sink and clock are injected so tests can read what was logged.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(name: string): Logger;
}
export type Fields = Readonly<Record<string, unknown>>;

export interface LoggerOptions {
  readonly level?: Level;
  readonly sink?: (line: string) => void;
  readonly now?: () => number;
}

export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = opts.now ?? Date.now;
  const emit = (level: Level) => (msg: string, fields?: Fields) => {
    if (ORDER[level] < min) return;
    sink(`${new Date(now()).toISOString()} ${level.toUpperCase()} ${name}: ${msg}${formatFields(fields)}`);
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (sub) => createLogger(`${name}/${sub}`, opts),
  };
}

function formatFields(fields?: Fields): string {
  if (!fields) return '';
  let out = '';
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s =
      typeof v === 'string' ? v
      : typeof v === 'bigint' ? v.toString()
      : v instanceof Error ? v.message
      : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
    out += ` ${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
  }
  return out;
}

/**
 * Logs at most `burst` lines per key in each `windowMs`; the rest are
 * counted and reported once when the window rolls over, so a flood of bad
 * frames cannot flood the log.
 */
export function createRateLimitedLog(log: Logger, opts: { burst?: number; windowMs?: number; now?: () => number } = {}) {
  const burst = opts.burst ?? 5;
  const windowMs = opts.windowMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number }>();
  return (key: string, msg: string, fields?: Fields): void => {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= windowMs) {
      if (w && w.count > burst) log.warn(`suppressed ${w.count - burst} similar messages`, { key, windowMs });
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    w.count += 1;
    if (w.count <= burst) log.warn(msg, fields);
  };
}
