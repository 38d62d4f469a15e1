import { httpStatusOf } from '../errors/catalogue.js';
import { formatRejections } from '../function/function-context.js';
import { REJECTED_HEADER, type FunctionContext, type FunctionResponse } from '../function/function-types.js';
import { batchReply, type FrameOutcome } from './frame-outcome.js';

/**
 * Answers a frames request. A batch gets 200 and one outcome per frame; a
 * single frame gets its own status (200, or the catalogue's status for its
 * code) so a plain `curl` sees the reason. `ownRejections` are the codes
 * this function found itself: only those go in X-Rejected, so a rejection
 * relayed from a later stage is counted once, where it was found.
 */
export function replyToFrames(
  ctx: FunctionContext,
  batch: boolean,
  results: readonly FrameOutcome[],
  ownRejections: Readonly<Record<string, number>>,
): FunctionResponse {
  const rejected = formatRejections(ownRejections);
  if (rejected) ctx.headers({ [REJECTED_HEADER]: rejected });
  if (batch) return ctx.status(200).succeed(batchReply(results));
  const only = results[0];
  if (!only) return ctx.status(400).fail({ code: 'BAD_REQUEST', message: 'empty body' });
  return only.ok ? ctx.status(200).succeed(only) : ctx.status(httpStatusOf(only.code)).fail(only);
}
