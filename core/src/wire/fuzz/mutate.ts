/** Seeded mutations of valid frames for the fuzz test: what a faulty link or an attacker can do to bytes. */

export interface Rng {
  /** 0..n-1 */
  int(n: number): number;
  bytes(n: number): Uint8Array;
}

export function rngFrom(u32: () => number, bytes: (n: number) => Uint8Array): Rng {
  return { int: (n) => (n <= 0 ? 0 : u32() % n), bytes };
}

export const MUTATIONS = ['bit flip', 'byte set', 'truncate', 'extend', 'insert', 'delete'] as const;
export type Mutation = (typeof MUTATIONS)[number];

export function mutate(input: Uint8Array, kind: Mutation, rng: Rng): Uint8Array {
  const at = rng.int(input.length);
  switch (kind) {
    case 'bit flip': {
      const out = input.slice();
      if (out.length > 0) out[at]! ^= 1 << rng.int(8);
      return out;
    }
    case 'byte set': {
      const out = input.slice();
      if (out.length > 0) out[at] = rng.int(256);
      return out;
    }
    case 'truncate':
      return input.slice(0, at);
    case 'extend':
      return concat(input, rng.bytes(1 + rng.int(rng.int(4) === 0 ? 1100 : 16)));
    case 'insert':
      return concat(input.subarray(0, at), rng.bytes(1 + rng.int(3)), input.subarray(at));
    case 'delete':
      return concat(input.subarray(0, at), input.subarray(at + 1 + rng.int(3)));
  }
}

/** 1 to 3 random mutations in a row. */
export function mutateRandomly(input: Uint8Array, rng: Rng): Uint8Array {
  let out = input;
  const n = 1 + rng.int(3);
  for (let i = 0; i < n; i++) out = mutate(out, MUTATIONS[rng.int(MUTATIONS.length)]!, rng);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
