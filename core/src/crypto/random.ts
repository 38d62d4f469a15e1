import { webcrypto } from 'node:crypto';
import type { RandomSource } from './keys.js';

/** The operating system's CSPRNG: the RandomSource for real devices and the platform. */
export const systemRandom: RandomSource = (n) => webcrypto.getRandomValues(new Uint8Array(n));
