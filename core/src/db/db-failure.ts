import { fail, type Result } from '../result/result.js';

/**
 * Turns a thrown pg/network error into a Failure value for run-time paths.
 * A lost or refused connection is DATABASE_UNREACHABLE whatever the
 * operation, so callers and metrics can tell "database down" from "query failed".
 */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

export function dbFailure<T = never>(code: 'STORE_FAILED' | 'DATABASE_ERROR', what: string, e: unknown): Result<T> {
  const message = e instanceof Error ? e.message : String(e);
  const errCode = (e as { code?: unknown }).code;
  const lost = (typeof errCode === 'string' && CONNECTION_CODES.has(errCode)) || /Connection terminated|timeout exceeded when trying to connect/i.test(message);
  if (lost && code !== 'STORE_FAILED') return fail('DATABASE_UNREACHABLE', `${what}: ${message}`);
  return fail(code, `${what}: ${message}`);
}
