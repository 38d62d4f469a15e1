/**
 * PostgREST's error shape and status codes (docs/rest-api.md §Errors): clients
 * (postgrest-js) read `code`, so the gateway answers exactly what PostgREST
 * would, and the same client code works against both.
 */
export interface PgrstError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly details: string | null;
  readonly hint: string | null;
}

export const pgrstError = (status: number, code: string, message: string, details: string | null = null, hint: string | null = null): PgrstError => ({
  status,
  code,
  message,
  details,
  hint,
});

/** The JSON body PostgREST sends: the four fields, no status. */
export const errorBody = (e: PgrstError): string => JSON.stringify({ code: e.code, details: e.details, hint: e.hint, message: e.message });

/** Malformed or unsupported query string (PGRST100, 400). */
export const parseError = (message: string, details: string | null = null, hint: string | null = null): PgrstError =>
  pgrstError(400, 'PGRST100', message, details, hint ?? 'This API serves a subset of PostgREST; see docs/rest-api.md');

/** An unknown column, as PostgreSQL itself reports it through PostgREST (42703, 400). */
export const unknownColumn = (view: string, column: string): PgrstError => pgrstError(400, '42703', `column ${view}.${column} does not exist`);

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** Set by node-postgres on server errors only; a socket error (EPIPE, ECONNREFUSED) has none. */
  readonly severity?: string;
}

/**
 * PostgREST's table from SQLSTATE to HTTP status. 42501 (insufficient
 * privilege) is 401 for the anonymous role, so a client knows to log in,
 * and 403 for an authenticated one.
 */
export function statusOfSqlState(code: string, authenticated: boolean): number {
  if (code === '42501') return authenticated ? 403 : 401;
  const exact: Record<string, number> = { '23503': 409, '23505': 409, '25006': 405, '53400': 500, P0001: 400, '42883': 404, '42P01': 404, '42P17': 500 };
  const found = exact[code];
  if (found !== undefined) return found;
  const byClass: Record<string, number> = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500, '39': 500, '3B': 500,
    '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, F0: 500, HV: 500, P0: 500, XX: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

/** A database error as PostgREST forwards it; a connection failure (no SQLSTATE) is 503 like 08*. */
export function fromDatabaseError(e: unknown, authenticated: boolean): PgrstError {
  const err = (e ?? {}) as PgLikeError;
  const message = err.message ?? String(e);
  if (!err.severity || typeof err.code !== 'string') return pgrstError(503, '08000', `Database unavailable: ${message}`);
  return pgrstError(statusOfSqlState(err.code, authenticated), err.code, message, err.detail ?? null, err.hint ?? null);
}
