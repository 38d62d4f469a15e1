import { seededRandom } from '../crypto/seeded-random.js';

/**
 * A reproducible stream of numbers for the simulator, built on core's
 * seeded generator (sfc32 seeded through splitmix32). NOT for keys, nonces
 * or anything secret: simulated devices seal their frames with
 * `systemRandom`; only the simulated *values* come from here.
 */
export interface Prng {
  /** Uniform in [0, 1), 53 bits. */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

export function createPrng(seed: number): Prng {
  const { u32 } = seededRandom(seed >>> 0);
  const next = () => (u32() * 2 ** 21 + (u32() >>> 11)) / 2 ** 53;
  let spare: number | undefined;
  return {
    next,
    uniform: (min, max) => min + (max - min) * next(),
    int: (n) => Math.floor(next() * n),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      const u = 1 - next(); // (0, 1]: log stays finite
      const r = Math.sqrt(-2 * Math.log(u));
      const a = 2 * Math.PI * next();
      spare = r * Math.sin(a);
      return r * Math.cos(a);
    },
    chance: (p) => next() < p,
  };
}

/**
 * An independent seed for sub-stream `path` of `seed` (e.g. PLC 3's values:
 * `deriveSeed(seed, 3, 0)`), so each PLC's numbers depend only on the seed
 * and its index, never on how many other PLCs run or how their timers interleave.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  let h = mix32((seed >>> 0) ^ 0x5bd1e995);
  for (const [i, x] of path.entries()) h = mix32(h ^ mix32(((x >>> 0) + Math.imul(i + 1, 0x9e3779b9)) >>> 0));
  return h;
}

function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}
