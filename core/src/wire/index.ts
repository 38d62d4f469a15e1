// Public surface of the wire codec, format v1 (docs/wire-format.md).
export { decodeFrame } from './decode-frame.js';
export { encodeFrame, encodeHeader } from './encode-frame.js';
export { decodePayload } from './decode-payload.js';
export { encodePayload } from './encode-payload.js';
export { splitFrames, joinFrames } from './stream-framing.js';
export {
  HEADER_SIZE, MAX_FRAME_SIZE, MAX_BATCH_SIZE, MAX_SEQ, BODY_SIZE, TYPE_CODES, FRAMES_CONTENT_TYPE, SINGLE_FRAME_CONTENT_TYPE,
} from './constants.js';
export type { SplitFrames } from './stream-framing.js';
export type {
  Frame, FrameHeader, FrameInput, FrameType, DataFrameType, ReadingPayload, CyclePayload, Payload,
} from './frame-types.js';
