import type { RandomSource } from './keys.js';

/**
 * A reproducible RandomSource (sfc32 seeded through splitmix32) for tests,
 * fuzzing and test vectors. NOT cryptographically secure: never hand it to
 * a real device or the platform; they use `systemRandom`. Not exported
 * from core's public surface for that reason.
 */
export function seededRandom(seed: number): RandomSource & { readonly u32: () => number } {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  const random = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
    }
    return out;
  };
  return Object.assign(random, { u32 });
}
