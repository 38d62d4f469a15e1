/**
 * Numbers of wire format v1 (docs/wire-format.md). Everything that knows a
 * size or an offset reads it from here, so the spec has one echo in code.
 */

// wire-format §2.1: the 20-byte header
export const MAGIC_0 = 0x54; // 'T'
export const MAGIC_1 = 0x43; // 'C'
export const VERSION = 0x01;
export const HEADER_SIZE = 20;

/** wire-format §2.1: offset and size of each header field, in order. */
export const HEADER_FIELDS = [
  { name: 'magic', at: 0, size: 2 },
  { name: 'version', at: 2, size: 1 },
  { name: 'type', at: 3, size: 1 },
  { name: 'device id', at: 4, size: 2 },
  { name: 'key id', at: 6, size: 4 },
  { name: 'seq', at: 10, size: 8 },
  { name: 'body length', at: 18, size: 2 },
] as const;
export const AT_MAGIC = 0;
export const AT_VERSION = 2;
export const AT_TYPE = 3;
export const AT_DEVICE_ID = 4;
export const AT_KEY_ID = 6;
export const AT_SEQ = 10;
export const AT_BODY_LENGTH = 18;
export const AT_BODY = 20;

// wire-format §2.2: limits
export const MAX_FRAME_SIZE = 1024;
export const MAX_BODY_SIZE = MAX_FRAME_SIZE - HEADER_SIZE;
export const MAX_DEVICE_ID = 0x7fff;
export const MAX_KEY_ID = 0xffff_ffff;
/** The platform stores seq as PostgreSQL bigint (wire-format §2.3). */
export const MAX_SEQ = (1n << 63n) - 1n;

/** wire-format §2.1: frame type byte ↔ name. */
export const TYPE_CODES = { session: 0x01, reading: 0x02, cycle: 0x03 } as const;

// wire-format §3: SESSION body
export const EPH_PK_SIZE = 32;
export const CLOCK_SIZE = 8;
export const SIGNATURE_SIZE = 64;
export const SESSION_BODY_SIZE = EPH_PK_SIZE + CLOCK_SIZE + SIGNATURE_SIZE; // 104
/** Frame offsets of the SESSION body fields. */
export const AT_EPH_PK = AT_BODY;
export const AT_CLOCK = AT_BODY + EPH_PK_SIZE; // 52
export const AT_SIGNATURE = AT_CLOCK + CLOCK_SIZE; // 60

// wire-format §4: data body = nonce ‖ ciphertext (plaintext + tag)
export const NONCE_SIZE = 24;
export const TAG_SIZE = 16;
export const AT_NONCE = AT_BODY;
export const AT_CIPHERTEXT = AT_BODY + NONCE_SIZE; // 44

// wire-format §5: plaintext payloads
export const PHASES = 5;
export const SENSORS_PER_PHASE = 5;
export const READING_PAYLOAD_SIZE = 2 + 8 + 4 * 3; // 22
export const CYCLE_PAYLOAD_SIZE = 2 + 8 + 4 + 4 * PHASES * SENSORS_PER_PHASE; // 114
/** |ms| beyond this is outside the ECMAScript Date range (wire-format §5.3). */
export const MAX_ABS_TIME_MS = 8_640_000_000_000_000;

/** wire-format §2.2: the one body size each type allows. */
export const BODY_SIZE = {
  session: SESSION_BODY_SIZE,
  reading: NONCE_SIZE + READING_PAYLOAD_SIZE + TAG_SIZE, // 62
  cycle: NONCE_SIZE + CYCLE_PAYLOAD_SIZE + TAG_SIZE, // 154
} as const;

// wire-format §6: stream framing
export const LENGTH_PREFIX_SIZE = 4;
export const MAX_BATCH_SIZE = 1024 * 1024;
export const FRAMES_CONTENT_TYPE = 'application/vnd.typedcluster.frames';
export const SINGLE_FRAME_CONTENT_TYPE = 'application/octet-stream';
