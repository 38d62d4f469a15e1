import { Refusal } from './refusal.js';

/**
 * Aedes reports every reason a connection ended badly as one `clientError`
 * (or `connectionError` before CONNECT): our own refusals echoing back,
 * network errors, timeouts, and protocol violations found by its parser.
 * Only the last kind is counted here, as `malformed`; the rest were counted
 * where they were decided, or are not the client's fault.
 */
const NOT_A_VIOLATION = [
  'keep alive timeout',
  'connect did not arrive in time',
  'drain timeout',
  'connection closed',
  'Client queue limit reached',
  'maxInflightInbound exceeded',
];

export type ClientErrorKind = 'refusal' | 'connection' | 'violation';

export function classifyClientError(e: Error): ClientErrorKind {
  if (e instanceof Refusal) return 'refusal';
  // Node's stream and socket errors carry a string code (ECONNRESET, ERR_STREAM_PREMATURE_CLOSE…);
  // a CONNACK refusal carries Aedes' numeric errorCode (bad protocol version, our own auth codes).
  const { code, errorCode } = e as { code?: unknown; errorCode?: unknown };
  if (typeof code === 'string' || errorCode !== undefined) return 'connection';
  if (NOT_A_VIOLATION.some((m) => e.message.startsWith(m))) return 'connection';
  return 'violation';
}
