import {
  callFunction,
  countCodes,
  createRateLimitedLog,
  decodeFrame,
  envDurationMs,
  envInt,
  failWith,
  joinFrames,
  readFramesBody,
  replyToFrames,
  FRAMES_CONTENT_TYPE,
  MAX_BATCH_SIZE,
  type BatchReply,
  type FrameOutcome,
  type FunctionRuntime,
  type Handler,
  type Logger,
  type Result,
} from '@typedcluster/core';

/**
 * ingest-binary: the front door. Checks each frame's structure
 * (wire-format §2, §6) without any key or database, so malformed traffic is
 * turned away cheaply, and hands the well-formed frames on to
 * verify-and-decrypt in one batch. Contract: ./README.md.
 */
export interface IngestDeps {
  /** Sends well-formed frames (a §6 frames body) to verify-and-decrypt; one outcome per frame back. */
  readonly verify: (frames: Uint8Array) => Promise<Result<BatchReply>>;
  readonly log: Logger;
  readonly maxBodyBytes: number;
}

export function createHandler(deps: IngestDeps): Handler {
  const warn = createRateLimitedLog(deps.log);
  return async (event, ctx) => {
    if (event.method !== 'POST') return failWith(ctx, { code: 'BAD_REQUEST', message: `use POST, not ${event.method}` });
    if (event.body.length > deps.maxBodyBytes) {
      return failWith(ctx, { code: 'TOO_LARGE', message: `body of ${event.body.length} bytes exceeds ${deps.maxBodyBytes}` });
    }
    const body = readFramesBody(event.headers['content-type'], event.body);
    if (!body.ok) return failWith(ctx, body.error);

    // A well-formed frame's slot stays empty until verify-and-decrypt's outcome fills it.
    const results: Array<FrameOutcome | undefined> = [];
    const wellFormed: Uint8Array[] = [];
    const slots: number[] = [];
    for (const item of body.value.items) {
      if ('error' in item) {
        results.push({ ok: false, code: item.error.code, message: item.error.message });
        continue;
      }
      const frame = decodeFrame(item.bytes);
      if (!frame.ok) {
        results.push({ ok: false, code: frame.error.code, message: frame.error.message });
        continue;
      }
      slots.push(results.length);
      results.push(undefined);
      wellFormed.push(item.bytes);
    }
    const rejected = results.filter((r): r is FrameOutcome => r !== undefined);
    const own = countCodes(rejected);
    for (const r of rejected) if (!r.ok) warn(r.code, 'rejected malformed frame', { code: r.code, reason: r.message });

    if (wellFormed.length > 0) {
      // A frames body whose every frame is well-formed goes on as it came, uncopied.
      const untouched = body.value.batch && wellFormed.length === body.value.items.length;
      const verified = await deps.verify(untouched ? event.body : joinFrames(wellFormed));
      if (!verified.ok || verified.value.results.length !== wellFormed.length) {
        const error = verified.ok ? { code: 'UPSTREAM_FAILED' as const, message: 'verify-and-decrypt answered the wrong number of results' } : verified.error;
        deps.log.error('verify-and-decrypt failed; the sender should retry', { frames: wellFormed.length, reason: error.message });
        return failWith(ctx, error, false);
      }
      verified.value.results.forEach((r, i) => (results[slots[i]!] = r));
    }
    // Every empty slot was filled: verify-and-decrypt answered one outcome per well-formed frame.
    return replyToFrames(ctx, body.value.batch, results as FrameOutcome[], own);
  };
}

export async function setup(rt: FunctionRuntime): Promise<IngestDeps> {
  const call = { fetch: rt.fetch, gatewayUrl: rt.gatewayUrl, timeoutMs: envDurationMs(rt.env, 'UPSTREAM_TIMEOUT', 10_000) };
  const next = rt.env['VERIFY_FUNCTION'] || 'verify-and-decrypt';
  return {
    verify: (frames) => callFunction<BatchReply>(call, next, frames, FRAMES_CONTENT_TYPE),
    log: rt.log,
    maxBodyBytes: envInt(rt.env, 'MAX_BODY_BYTES', MAX_BATCH_SIZE, 1, MAX_BATCH_SIZE),
  };
}
