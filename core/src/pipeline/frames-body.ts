import { fail, ok, type Failure, type Result } from '../result/result.js';
import { FRAMES_CONTENT_TYPE } from '../wire/constants.js';
import { splitFrames } from '../wire/stream-framing.js';

/** One item of a request body: a frame's bytes, or why the framing around it failed. */
export type BodyItem = { readonly bytes: Uint8Array } | { readonly error: Failure };

export interface FramesBody {
  /** true for `application/vnd.typedcluster.frames` (answered per frame), false for one raw frame. */
  readonly batch: boolean;
  readonly items: readonly BodyItem[];
}

/**
 * Reads a function's binary body (wire-format §6): a raw
 * `application/octet-stream` body is one frame; a frames body is split by
 * its length prefixes, and a broken tail becomes one failed item so it is
 * answered and counted like any other bad frame.
 */
export function readFramesBody(contentType: string | undefined, body: Uint8Array): Result<FramesBody> {
  const type = (contentType ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/octet-stream' || type === '') return ok({ batch: false, items: [{ bytes: body }] });
  if (type !== FRAMES_CONTENT_TYPE) {
    return fail('UNSUPPORTED_MEDIA_TYPE', `expected application/octet-stream or ${FRAMES_CONTENT_TYPE}, got "${type}"`);
  }
  const split = splitFrames(body);
  if (!split.ok) return split;
  const items: BodyItem[] = split.value.frames.map((bytes) => ({ bytes }));
  if (split.value.rest) items.push({ error: split.value.rest });
  return ok({ batch: true, items });
}
