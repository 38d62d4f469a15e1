// Public surface of the wire crypto (docs/wire-format.md §3, §4).
export { sodiumReady } from './sodium.js';
export {
  identityKeypairFromSeed, generateIdentityKeypair, kxKeypairFromSeed, generateKxKeypair, SEED_SIZE,
} from './keys.js';
export type { KeyPair, RandomSource } from './keys.js';
export { systemRandom } from './random.js';
export { signSessionBody, verifySession } from './session-frame.js';
export type { SessionOpen } from './session-frame.js';
export { serverSessionKey, clientSessionKeys } from './session-keys.js';
export type { SessionKeys } from './session-keys.js';
export { sealData, openData, SESSION_KEY_SIZE } from './data-seal.js';
