/**
 * Byte helpers shared by the wire, crypto and device modules. Internal: the
 * public surface is each area's index.ts.
 */

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Strict: Buffer.from(s, 'hex') silently stops at the first bad digit, this throws. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new RangeError(`not a hex string: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A DataView over exactly these bytes (a Uint8Array may be a view into a larger pooled buffer). */
export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
