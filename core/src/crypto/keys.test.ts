import assert from 'node:assert/strict';
import { toHex } from '../wire/bytes.js';
import { draw, generateIdentityKeypair, generateKxKeypair, identityKeypairFromSeed, kxKeypairFromSeed } from './keys.js';
import { seededRandom } from './seeded-random.js';
import { sodiumReady } from './sodium.js';
import { systemRandom } from './random.js';

describe('crypto keys', () => {
  before(sodiumReady);

  it('derives the same identity keypair from the same seed, in libsodium sizes', () => {
    const seed = new Uint8Array(32).fill(7);
    const a = identityKeypairFromSeed(seed);
    const b = identityKeypairFromSeed(seed.slice());
    assert.equal(toHex(a.publicKey), toHex(b.publicKey));
    assert.deepEqual([a.publicKey.length, a.secretKey.length], [32, 64]);
    // libsodium's Ed25519 secret key is seed ‖ public key.
    assert.equal(toHex(a.secretKey), toHex(seed) + toHex(a.publicKey));
  });

  it('derives kx keypairs from seeds; different seeds give different keys', () => {
    const a = kxKeypairFromSeed(new Uint8Array(32).fill(1));
    const b = kxKeypairFromSeed(new Uint8Array(32).fill(2));
    assert.deepEqual([a.publicKey.length, a.secretKey.length], [32, 32]);
    assert.notEqual(toHex(a.publicKey), toHex(b.publicKey));
  });

  it('generates from the injected random source only', () => {
    const x = generateIdentityKeypair(seededRandom(5));
    const y = generateIdentityKeypair(seededRandom(5));
    assert.equal(toHex(x.publicKey), toHex(y.publicKey));
    assert.equal(toHex(generateKxKeypair(seededRandom(5)).publicKey), toHex(kxKeypairFromSeed(seededRandom(5)(32)).publicKey));
    assert.notEqual(toHex(generateKxKeypair(systemRandom).publicKey), toHex(generateKxKeypair(systemRandom).publicKey));
  });

  it('refuses a random source that returns too few bytes, and seeds of the wrong size', () => {
    assert.throws(() => draw(() => new Uint8Array(3), 4), RangeError);
    assert.throws(() => identityKeypairFromSeed(new Uint8Array(31)), RangeError);
    assert.throws(() => kxKeypairFromSeed(new Uint8Array(33)), RangeError);
  });
});
