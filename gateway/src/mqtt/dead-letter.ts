import type { Answer } from './answer.js';

/** A dead letter, field for field as docs/topics.md ("Dead letters") shows it. */
export interface DeadLetter {
  readonly function: string;
  readonly topic: string;
  readonly code: string;
  readonly reason: string;
  readonly status: number;
  readonly attempts: number;
  readonly firstAttemptAt: string;
  readonly lastAttemptAt: string;
  /** Base64 of the original payload. */
  readonly payload: string;
}

/** Code of a dead letter whose function answered an error status without a `{code, message}` body. */
export const NO_CODE = 'UNEXPECTED_ANSWER';

export interface DeadLetterInput {
  readonly fn: string;
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly answer: Answer;
  readonly attempts: number;
  readonly firstAttemptAt: number;
  readonly lastAttemptAt: number;
}

export function deadLetterOf(d: DeadLetterInput): DeadLetter {
  return {
    function: d.fn,
    topic: d.topic,
    code: d.answer.code ?? NO_CODE,
    reason: d.answer.reason,
    status: d.answer.status,
    attempts: d.attempts,
    firstAttemptAt: new Date(d.firstAttemptAt).toISOString(),
    lastAttemptAt: new Date(d.lastAttemptAt).toISOString(),
    payload: Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength).toString('base64'),
  };
}
