/**
 * Range checks for values that go into smallint/bigint columns. Checking
 * first keeps an out-of-range id from becoming a database error (22003)
 * and lets callers get a precise failure instead.
 */
export const MAX_DEVICE_ID = 32767;
const MAX_BIGINT = (1n << 63n) - 1n;

export const isDeviceId = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_DEVICE_ID;

export const isU32 = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff_ffff;

/** A sequence number as bigint, or undefined unless it is an integer in 0..2^63-1. */
export function toSeq(seq: bigint | string | number): bigint | undefined {
  let v: bigint;
  if (typeof seq === 'bigint') v = seq;
  else if (typeof seq === 'number') {
    if (!Number.isSafeInteger(seq)) return undefined;
    v = BigInt(seq);
  } else {
    if (!/^\d{1,19}$/.test(seq)) return undefined;
    v = BigInt(seq);
  }
  return v >= 0n && v <= MAX_BIGINT ? v : undefined;
}

/** pg sends Buffers as bytea; a plain Uint8Array view is wrapped without copying. */
export const toBytea = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
