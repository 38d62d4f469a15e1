/** The decoded shapes of wire format v1 (docs/wire-format.md §2, §5). */

export type FrameType = 'session' | 'reading' | 'cycle';
/** Frames whose body is sealed data (wire-format §4). */
export type DataFrameType = 'reading' | 'cycle';

/** The header fields a sender chooses; version and body length follow from them. */
export interface FrameHeader {
  readonly type: FrameType;
  /** 1..32767 */
  readonly deviceId: number;
  /** u32 naming the session key (wire-format §3.3). */
  readonly keyId: number;
  /** u64 on the wire, 0..2^63-1 accepted (wire-format §2.3). */
  readonly seq: bigint;
}

/** A structurally valid frame. `header` and `body` are views into the decoded bytes. */
export interface Frame extends FrameHeader {
  /** The raw 20 header bytes: the signed prefix (§3) and the AEAD additional data (§4). */
  readonly header: Uint8Array;
  readonly body: Uint8Array;
}

/** A frame to encode: the header fields plus its body. */
export interface FrameInput extends FrameHeader {
  readonly body: Uint8Array;
}

/** wire-format §5.1. Sensor values are float32; NaN/±Infinity mean a failed sensor. */
export interface ReadingPayload {
  readonly type: 'reading';
  readonly deviceId: number;
  /** Milliseconds since the Unix epoch. */
  readonly ts: number;
  /** °C */
  readonly temperature: number;
  /** kPa */
  readonly pressure: number;
  /** %RH */
  readonly humidity: number;
}

/** wire-format §5.2. */
export interface CyclePayload {
  readonly type: 'cycle';
  readonly deviceId: number;
  /** Start of the 30 s cycle, ms since the Unix epoch. */
  readonly cycleStart: number;
  /** u32 cycle counter. */
  readonly cycle: number;
  /** phases[p][s]: phase p (0..4, 6 s each) of sensor s (0..4). */
  readonly phases: ReadonlyArray<ReadonlyArray<number>>;
}

export type Payload = ReadingPayload | CyclePayload;
