import { fail, ok } from '../result/result.js';
import type { Failure, Result } from '../result/result.js';
import { viewOf } from './bytes.js';
import { LENGTH_PREFIX_SIZE, MAX_BATCH_SIZE, MAX_FRAME_SIZE } from './constants.js';

/** A stream body cut into frames (wire-format §6). */
export interface SplitFrames {
  /** Each frame's bytes, in order, as views into the body; each still needs decodeFrame. */
  readonly frames: readonly Uint8Array[];
  /** Body offset of each frame's first byte (after its prefix), for error reports. */
  readonly offsets: readonly number[];
  /**
   * Set when the framing itself broke (a prefix over 1024 or running past
   * the end): `rest.at` is the offset of that prefix and nothing from there
   * on could be split. The frames before it are still good to process.
   */
  readonly rest?: Failure;
}

/**
 * Splits `[u32 length ‖ frame]*` (wire-format §6.1). Never throws. A bad
 * frame inside is still returned (its prefix lets the reader skip it); only
 * a body over 1 MiB fails as a whole.
 */
export function splitFrames(body: Uint8Array): Result<SplitFrames> {
  if (body.length > MAX_BATCH_SIZE) {
    return fail('TOO_LARGE', `batch body is ${body.length} bytes, the maximum is ${MAX_BATCH_SIZE}`, MAX_BATCH_SIZE);
  }
  const view = viewOf(body);
  const frames: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < LENGTH_PREFIX_SIZE) {
      return ok({ frames, offsets, rest: failure('TRUNCATED', `${body.length - at} bytes left, a length prefix is 4`, at) });
    }
    const length = view.getUint32(at);
    // wire-format §6.2: a prefix over the frame limit cannot be trusted to find the next frame.
    if (length > MAX_FRAME_SIZE) {
      return ok({ frames, offsets, rest: failure('TOO_LARGE', `length prefix ${length} exceeds ${MAX_FRAME_SIZE}`, at) });
    }
    const start = at + LENGTH_PREFIX_SIZE;
    if (start + length > body.length) {
      return ok({ frames, offsets, rest: failure('TRUNCATED', `prefix declares ${length} bytes, ${body.length - start} remain`, at) });
    }
    frames.push(body.subarray(start, start + length));
    offsets.push(start);
    at = start + length;
  }
  return ok({ frames, offsets });
}

/** `[u32 length ‖ frame]*`. Throws RangeError past the §6 limits (a sender bug). */
export function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const f of frames) {
    if (f.length > MAX_FRAME_SIZE) throw new RangeError(`frame of ${f.length} bytes exceeds ${MAX_FRAME_SIZE}`);
    size += LENGTH_PREFIX_SIZE + f.length;
  }
  if (size > MAX_BATCH_SIZE) throw new RangeError(`batch of ${size} bytes exceeds ${MAX_BATCH_SIZE}`);
  const out = new Uint8Array(size);
  const view = viewOf(out);
  let at = 0;
  for (const f of frames) {
    view.setUint32(at, f.length);
    out.set(f, at + LENGTH_PREFIX_SIZE);
    at += LENGTH_PREFIX_SIZE + f.length;
  }
  return out;
}

function failure(code: Failure['code'], message: string, at: number): Failure {
  return { code, message, at };
}
