/**
 * One-dimensional PostgreSQL arrays in the binary wire format (what the
 * server's array_recv reads), for array bind parameters. pg sends a Buffer
 * parameter with format code 1 (binary), and the server reads it with the
 * receive function of the parameter's type (`$n::real[]` → float4 array):
 * no text to format here nor to parse there. For a batch of cycle frames,
 * parsing the text literals was a seventh of PostgreSQL's CPU, and
 * formatting them most of ours.
 *
 * Layout (PostgreSQL's src/backend/utils/adt/arrayfuncs.c, array_send):
 * int32 ndim, int32 has-nulls flag, uint32 element type OID, per dimension
 * int32 length and int32 lower bound; then per element int32 byte length
 * and the element's binary value, big-endian. No element here is NULL.
 */

/** Built-in type OIDs (pg_type.oid; fixed since PostgreSQL 7). */
const OID = { int2: 21, int8: 20, float4: 700, timestamptz: 1184 } as const;

/** PostgreSQL's timestamp epoch (2000-01-01) in Unix epoch milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;

/** Bytes per element after its int32 length word. */
const WIDTH = { int2: 2, int8: 8, float4: 4, timestamptz: 8 } as const;
export type ArrayElementType = keyof typeof WIDTH;

// Microseconds up to 2^53 are exact doubles: ±285 years around 2000 need no BigInt.
const EXACT_US = 2 ** 53;
const TWO_32 = 2 ** 32;

/**
 * One array parameter written element by element into its final buffer,
 * sized up front from the element count: no intermediate JS array, which
 * for a batch of cycle frames was most of the garbage of building the
 * statement's parameters. Exactly `count` elements must be written.
 */
export class BinaryArrayWriter {
  readonly #buf: Buffer;
  readonly #view: DataView;
  #at: number;

  constructor(type: ArrayElementType, count: number) {
    const width = WIDTH[type];
    const header = count === 0 ? 12 : 20;
    this.#buf = Buffer.allocUnsafe(header + count * (4 + width));
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
    const v = this.#view;
    v.setInt32(0, count === 0 ? 0 : 1); // an empty array has no dimensions
    v.setInt32(4, 0);
    v.setUint32(8, OID[type]);
    if (count > 0) {
      v.setInt32(12, count);
      v.setInt32(16, 1);
    }
    this.#at = header;
  }

  /** Writes an element's length word and returns where its value goes. */
  #element(width: number): number {
    const at = this.#at;
    this.#view.setInt32(at, width);
    this.#at = at + 4 + width;
    return at + 4;
  }

  /** smallint: an integer in -32768..32767. */
  int2(value: number): void {
    this.#view.setInt16(this.#element(WIDTH.int2), value);
  }

  /** bigint from a bigint already checked to be in 0..2^63-1. */
  int8(value: bigint): void {
    this.#view.setBigInt64(this.#element(WIDTH.int8), value);
  }

  /** bigint from a u32 number (ids, counters). */
  u32(value: number): void {
    const at = this.#element(WIDTH.int8);
    this.#view.setUint32(at, 0);
    this.#view.setUint32(at + 4, value);
  }

  /** real: rounds to float32 as PostgreSQL's own input would; NaN and ±Infinity stay what they are. */
  float4(value: number): void {
    this.#view.setFloat32(this.#element(WIDTH.float4), value);
  }

  /**
   * timestamptz from epoch milliseconds (an integer within PostgreSQL's
   * range): int64 microseconds since 2000-01-01, exact for every
   * millisecond whatever the year (BigInt beyond ±285 years of 2000).
   */
  timestamptz(ms: number): void {
    const at = this.#element(WIDTH.timestamptz);
    const us = (ms - PG_EPOCH_MS) * 1000;
    if (us > -EXACT_US && us < EXACT_US) {
      const high = Math.floor(us / TWO_32);
      this.#view.setInt32(at, high);
      this.#view.setUint32(at + 4, us - high * TWO_32);
    } else {
      this.#view.setBigInt64(at, BigInt(ms - PG_EPOCH_MS) * 1000n);
    }
  }

  /** The parameter; throws if fewer or more elements were written than announced. */
  done(): Buffer {
    if (this.#at !== this.#buf.length) throw new RangeError(`binary array: ${this.#at} of ${this.#buf.length} bytes written`);
    return this.#buf;
  }
}

function arrayOf<T>(type: ArrayElementType, values: readonly T[], put: (w: BinaryArrayWriter, v: T) => void): Buffer {
  const w = new BinaryArrayWriter(type, values.length);
  for (const v of values) put(w, v);
  return w.done();
}

/** smallint[]; the values must be integers in -32768..32767. */
export const int2Array = (values: readonly number[]): Buffer => arrayOf('int2', values, (w, v) => w.int2(v));

/** bigint[] of u32 numbers (ids, counters). */
export const u32Int8Array = (values: readonly number[]): Buffer => arrayOf('int8', values, (w, v) => w.u32(v));

/** bigint[] of values already checked to be in 0..2^63-1. */
export const int8Array = (values: readonly bigint[]): Buffer => arrayOf('int8', values, (w, v) => w.int8(v));

/** real[]; see BinaryArrayWriter.float4. */
export const float4Array = (values: readonly number[]): Buffer => arrayOf('float4', values, (w, v) => w.float4(v));

/** timestamptz[] from epoch milliseconds; see BinaryArrayWriter.timestamptz. */
export const timestamptzArray = (ms: readonly number[]): Buffer => arrayOf('timestamptz', ms, (w, v) => w.timestamptz(v));
