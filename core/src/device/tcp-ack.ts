import { fail, ok, type Result } from '../result/result.js';
import { viewOf } from '../wire/bytes.js';

// wire-format §6.4.3: the gateway's acknowledgement record, one per frame on a TCP connection.
export const ACK_MAGIC_0 = 0x54; // 'T'
export const ACK_MAGIC_1 = 0x41; // 'A'
export const ACK_VERSION = 0x01;
export const ACK_FIXED_SIZE = 19;
export const ACK_MAX_CODE = 64;
export const ACK_MAX_SIZE = ACK_FIXED_SIZE + ACK_MAX_CODE;

/** wire-format §6.4.3 outcome byte ↔ name. */
export const ACK_OUTCOMES = { stored: 0x00, duplicate: 0x01, refused: 0x02, retry: 0x03, closing: 0x04 } as const;
export type AckOutcome = keyof typeof ACK_OUTCOMES;
const OUTCOME_NAMES = Object.fromEntries(Object.entries(ACK_OUTCOMES).map(([k, v]) => [v, k])) as Record<number, AckOutcome>;

export interface AckRecord {
  readonly outcome: AckOutcome;
  /** The frame's number on its connection (§6.4.2); for CLOSING, the frames received so far. */
  readonly frameNumber: number;
  /** From the frame's header; 0 when it could not be read. */
  readonly deviceId: number;
  readonly seq: bigint;
  /** A catalogue code; '' for STORED. */
  readonly code: string;
}

/** The record's bytes, without its length prefix. Throws RangeError on a code the record cannot carry (a bug). */
export function encodeAck(a: AckRecord): Uint8Array {
  if (a.code.length > ACK_MAX_CODE || !/^[\x20-\x7e]*$/.test(a.code)) throw new RangeError(`ack code "${a.code}" is not 0..${ACK_MAX_CODE} ASCII characters`);
  const out = new Uint8Array(ACK_FIXED_SIZE + a.code.length);
  const view = viewOf(out);
  out[0] = ACK_MAGIC_0;
  out[1] = ACK_MAGIC_1;
  out[2] = ACK_VERSION;
  out[3] = ACK_OUTCOMES[a.outcome];
  view.setUint32(4, a.frameNumber >>> 0);
  view.setInt16(8, a.deviceId);
  view.setBigUint64(10, a.seq);
  out[18] = a.code.length;
  for (let i = 0; i < a.code.length; i++) out[ACK_FIXED_SIZE + i] = a.code.charCodeAt(i);
  return out;
}

/** Reads one record (without its prefix). A record that does not parse means the stream is not ours: BAD_MAGIC, BAD_VERSION, BAD_TYPE or BAD_LENGTH. */
export function decodeAck(bytes: Uint8Array): Result<AckRecord> {
  if (bytes.length < ACK_FIXED_SIZE) return fail('TRUNCATED', `an ack record is at least ${ACK_FIXED_SIZE} bytes, got ${bytes.length}`, bytes.length);
  if (bytes[0] !== ACK_MAGIC_0 || bytes[1] !== ACK_MAGIC_1) return fail('BAD_MAGIC', 'ack record does not start with "TA"', 0);
  if (bytes[2] !== ACK_VERSION) return fail('BAD_VERSION', `ack version ${bytes[2]} is not supported`, 2);
  const outcome = OUTCOME_NAMES[bytes[3]!];
  if (outcome === undefined) return fail('BAD_TYPE', `unknown ack outcome ${bytes[3]}`, 3);
  const n = bytes[18]!;
  if (n > ACK_MAX_CODE || bytes.length !== ACK_FIXED_SIZE + n) return fail('BAD_LENGTH', `ack record of ${bytes.length} bytes declares a code of ${n}`, 18);
  const view = viewOf(bytes);
  return ok({
    outcome,
    frameNumber: view.getUint32(4),
    deviceId: view.getInt16(8),
    seq: view.getBigUint64(10),
    code: String.fromCharCode(...bytes.subarray(ACK_FIXED_SIZE)),
  });
}
