/**
 * Why the broker refused something; each is a label value of
 * `typedcluster_broker_refused_total{reason}` (docs/topics.md).
 */
export const REFUSAL_REASONS = ['auth', 'acl_publish', 'acl_subscribe', 'oversize', 'malformed'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * The error we hand Aedes when we refuse: Aedes then drops the connection
 * and reports the error back to us as a client error. The type tells that
 * report apart from the broker's own errors, so a refusal is counted once,
 * where it was decided, never again when it echoes back.
 */
export class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}
