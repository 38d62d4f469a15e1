import type { ErrorCode } from '../errors/catalogue.js';

/**
 * What happened to one frame, in the order frames were received. Relayed
 * unchanged from verify-and-decrypt back through ingest-binary, so a sender
 * learns per frame whether to move on or resend.
 */
export type FrameOutcome =
  | { readonly ok: true; readonly device: number; readonly seq: string; readonly type: FrameKind }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly device?: number; readonly seq?: string };

export type FrameKind = 'session' | 'reading' | 'cycle';

/** JSON body answering a batch (`application/vnd.typedcluster.frames`). */
export interface BatchReply {
  readonly accepted: number;
  readonly rejected: number;
  readonly results: readonly FrameOutcome[];
}

export function batchReply(results: readonly FrameOutcome[]): BatchReply {
  const accepted = results.filter((r) => r.ok).length;
  return { accepted, rejected: results.length - accepted, results };
}

/** Counts rejections by code, for the X-Rejected header. */
export function countCodes(results: readonly FrameOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) if (!r.ok) counts[r.code] = (counts[r.code] ?? 0) + 1;
  return counts;
}
