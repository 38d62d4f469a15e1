import type { Env } from '@typedcluster/core';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

/**
 * faas-cli style substitution over the raw stack text:
 * `${VAR}` (empty when unset), `${VAR:-default}` (default when unset or
 * empty) and `${VAR-default}` (default when unset).
 */
export function substituteEnv(text: string, env: Env): string {
  return text.replace(PATTERN, (_m, name: string, op: string | undefined, fallback: string | undefined) => {
    const v = env[name];
    if (op === ':-') return v === undefined || v === '' ? (fallback ?? '') : v;
    if (op === '-') return v === undefined ? (fallback ?? '') : v;
    return v ?? '';
  });
}
