import { lib } from './sodium.js';

/**
 * Where key material and nonces come from. Injected, never read implicitly,
 * so tests and test vectors are deterministic; production passes
 * `systemRandom`. Must return exactly n fresh bytes.
 */
export type RandomSource = (n: number) => Uint8Array;

export interface KeyPair {
  readonly publicKey: Uint8Array;
  /** Ed25519: libsodium's 64-byte form (seed ‖ public key). X25519: 32 bytes. */
  readonly secretKey: Uint8Array;
}

export const SEED_SIZE = 32;

/** Exactly n bytes from `random`, or a loud failure: short randomness would silently weaken keys. */
export function draw(random: RandomSource, n: number): Uint8Array {
  const bytes = random(n);
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) throw new RangeError(`random source returned ${bytes?.length} bytes, wanted ${n}`);
  return bytes;
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== SEED_SIZE) throw new RangeError(`seed must be ${SEED_SIZE} bytes, got ${seed.length}`);
}

/** A device identity (Ed25519, wire-format §3.2) from a 32-byte seed. */
export function identityKeypairFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const kp = lib().crypto_sign_seed_keypair(seed);
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

export function generateIdentityKeypair(random: RandomSource): KeyPair {
  return identityKeypairFromSeed(draw(random, SEED_SIZE));
}

/**
 * An X25519 key-exchange keypair (crypto_kx) from a 32-byte seed: the
 * platform's static keypair and each device session's ephemeral one
 * (wire-format §3.3).
 */
export function kxKeypairFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const kp = lib().crypto_kx_seed_keypair(seed);
  return { publicKey: kp.publicKey, secretKey: kp.privateKey };
}

export function generateKxKeypair(random: RandomSource): KeyPair {
  return kxKeypairFromSeed(draw(random, SEED_SIZE));
}
