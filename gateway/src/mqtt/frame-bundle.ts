import { splitFrames } from '@typedcluster/core';

/**
 * How many frames an MQTT payload carries when it is a bundle
 * (wire-format §6.5): a §6.1 stream, told from a bare frame by its first
 * byte (a length prefix is below 2^24, so 0x00; a frame starts with the
 * magic 0x54). Undefined for anything else, which then goes on as one
 * frame and is judged by ingest-binary like any other (a broken bundle
 * comes back BAD_MAGIC and is dead-lettered whole).
 */
export function framesInBundle(payload: Buffer): number | undefined {
  if (payload.length < 4 || payload[0] !== 0x00) return undefined;
  const split = splitFrames(payload);
  if (!split.ok || split.value.rest !== undefined || split.value.frames.length === 0) return undefined;
  return split.value.frames.length;
}

const LENGTH_PREFIX = 4;

/** What the frames body needs of a delivery. */
interface BodyPart {
  readonly bundle: boolean;
  readonly message: { readonly payload: Buffer };
}

/** Bytes a delivery adds to a frames body: a frame gets its length prefix; a bundle has them already. */
export const bodyBytesOf = (d: BodyPart): number => (d.bundle ? d.message.payload.length : LENGTH_PREFIX + d.message.payload.length);

/** The §6.1 stream of the deliveries' frames, in order. */
export function framesBodyOf(ds: readonly BodyPart[]): Buffer {
  const body = Buffer.allocUnsafe(ds.reduce((n, d) => n + bodyBytesOf(d), 0));
  let at = 0;
  for (const d of ds) {
    if (!d.bundle) at = body.writeUInt32BE(d.message.payload.length, at);
    at += d.message.payload.copy(body, at);
  }
  return body;
}
