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

function arrayOf(oid: number, count: number, width: number, write: (view: DataView, at: number, i: number) => void): Buffer {
  const header = count === 0 ? 12 : 20;
  const buf = Buffer.allocUnsafe(header + count * (4 + width));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  view.setInt32(0, count === 0 ? 0 : 1); // an empty array has no dimensions
  view.setInt32(4, 0);
  view.setUint32(8, oid);
  if (count > 0) {
    view.setInt32(12, count);
    view.setInt32(16, 1);
  }
  let at = header;
  for (let i = 0; i < count; i++) {
    view.setInt32(at, width);
    write(view, at + 4, i);
    at += 4 + width;
  }
  return buf;
}

/** smallint[]; the values must be integers in -32768..32767. */
export const int2Array = (values: readonly number[]): Buffer => arrayOf(OID.int2, values.length, 2, (v, at, i) => v.setInt16(at, values[i] ?? 0));

/** bigint[] of u32 numbers (ids, counters). */
export const u32Int8Array = (values: readonly number[]): Buffer =>
  arrayOf(OID.int8, values.length, 8, (v, at, i) => {
    v.setUint32(at, 0);
    v.setUint32(at + 4, values[i] ?? 0);
  });

/** bigint[] of values already checked to be in 0..2^63-1. */
export const int8Array = (values: readonly bigint[]): Buffer => arrayOf(OID.int8, values.length, 8, (v, at, i) => v.setBigInt64(at, values[i] ?? 0n));

/** real[]; each value rounds to float32 as PostgreSQL's own input would. NaN and ±Infinity stay what they are. */
export const float4Array = (values: readonly number[]): Buffer => arrayOf(OID.float4, values.length, 4, (v, at, i) => v.setFloat32(at, values[i] ?? Number.NaN));

/**
 * timestamptz[] from epoch milliseconds (integers within PostgreSQL's
 * timestamp range): microseconds since 2000-01-01 as int64, computed in
 * BigInt, so every millisecond is exact whatever the year.
 */
export const timestamptzArray = (ms: readonly number[]): Buffer =>
  arrayOf(OID.timestamptz, ms.length, 8, (v, at, i) => v.setBigInt64(at, BigInt((ms[i] ?? 0) - PG_EPOCH_MS) * 1000n));
