import { StartupError } from '../errors/startup-error.js';

/**
 * Small typed readers for `readConfig(env)` functions. Each throws a
 * StartupError naming the variable and what to do, so `main` fails fast
 * with one line.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export function envString(env: Env, name: string, fallback?: string): string {
  const v = env[name];
  if (v !== undefined && v !== '') return v;
  if (fallback !== undefined) return fallback;
  throw new StartupError('CONFIG_MISSING', `${name} is not set`, `set ${name} in the environment`);
}

export function envOptional(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Plain decimal only: Number() would read "  " as 0 and "0x10" as 16.
  const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new StartupError('CONFIG_INVALID', `${name}=${raw} is not an integer in ${min}..${max}`, `fix ${name} or unset it to use ${fallback}`);
  }
  return n;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new StartupError('CONFIG_INVALID', `${name}=${raw} is not a boolean`, `use ${name}=true or ${name}=false`);
}

/** Durations like of-watchdog's: "10s", "500ms", "2m", or bare milliseconds. */
export function envDurationMs(env: Env, name: string, fallbackMs: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallbackMs;
  const ms = parseDurationMs(raw);
  if (ms === undefined) {
    throw new StartupError('CONFIG_INVALID', `${name}=${raw} is not a duration`, `use a value like 10s, 500ms or 2m for ${name}`);
  }
  return ms;
}

export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

export function envUrl(env: Env, name: string, fallback?: string): string {
  const v = envString(env, name, fallback);
  try {
    new URL(v);
  } catch {
    throw new StartupError('CONFIG_INVALID', `${name}=${v} is not a URL`, `set ${name} to a full URL such as postgres://user:pass@host:5432/db`);
  }
  return v;
}
