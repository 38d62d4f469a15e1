import type { ErrorCode } from './catalogue.js';

/**
 * Thrown only at start-up (config, stack.yml, ports): `main` prints the
 * one-line `message` plus `hint` and exits non-zero. Runtime paths return
 * Result values instead.
 */
export class StartupError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }

  /** The single line an operator sees. */
  toLine(): string {
    return `error ${this.code}: ${this.message} — ${this.hint}`;
  }
}
