import type { ErrorCode } from '../errors/catalogue.js';

/** A failure as a value: callers branch on `code`, never on `message`. */
export interface Failure {
  readonly code: ErrorCode;
  readonly message: string;
  /** Byte offset (wire errors) or field name (config errors) where the problem was found. */
  readonly at?: number | string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = <T = never>(code: ErrorCode, message: string, at?: number | string): Result<T> =>
  at === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, at } };
