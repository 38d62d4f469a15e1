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
