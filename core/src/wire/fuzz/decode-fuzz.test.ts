import assert from 'node:assert/strict';
import { openData } from '../../crypto/data-seal.js';
import { identityKeypairFromSeed, kxKeypairFromSeed } from '../../crypto/keys.js';
import { seededRandom } from '../../crypto/seeded-random.js';
import { verifySession } from '../../crypto/session-frame.js';
import { serverSessionKey } from '../../crypto/session-keys.js';
import { sodiumReady } from '../../crypto/sodium.js';
import { isErrorCode } from '../../errors/catalogue.js';
import type { Result } from '../../result/result.js';
import { createDeviceSender } from '../../device/device-sender.js';
import { equalBytes, toHex } from '../bytes.js';
import { BODY_SIZE } from '../constants.js';
import { decodeFrame } from '../decode-frame.js';
import { decodePayload } from '../decode-payload.js';
import { encodeFrame } from '../encode-frame.js';
import type { Frame } from '../frame-types.js';
import { splitFrames } from '../stream-framing.js';
import { mutateRandomly, rngFrom } from './mutate.js';

const RANDOM_BUFFERS = 30_000;
const MUTANTS = 72_000;
/** Ed25519 verify in WASM costs ~140 µs: check this many decodable session mutants, decode-check the rest. */
const MAX_SESSION_VERIFIES = 4_000;

/** The invariant for every input: a Result, never an exception; failures carry a catalogued code and an offset inside the input. */
function checkShape(bytes: Uint8Array, r: Result<Frame>): void {
  if (r.ok) {
    assert.equal(r.value.header.length, 20);
    assert.equal(r.value.body.length, BODY_SIZE[r.value.type]);
    // A frame that decodes is exactly its own encoding: nothing is ignored or normalised away.
    assert.ok(equalBytes(encodeFrame(r.value), bytes), `re-encoding differs: ${toHex(bytes)}`);
    return;
  }
  assert.ok(isErrorCode(r.error.code), `uncatalogued code ${r.error.code}`);
  assert.equal(typeof r.error.at, 'number');
  assert.ok((r.error.at as number) >= 0 && (r.error.at as number) <= bytes.length, `at ${r.error.at} outside ${bytes.length} bytes`);
}

describe('wire fuzz: decodeFrame on 100k+ random and mutated buffers (seeded)', function () {
  this.timeout(60_000);
  const random = seededRandom(0x7c_2026);
  const rng = rngFrom(random.u32, random);
  let decodes = 0;
  before(sodiumReady);

  it('never throws on random buffers, and names a catalogued code', () => {
    for (let i = 0; i < RANDOM_BUFFERS; i++) {
      const bytes = random(rng.int(rng.int(8) === 0 ? 1100 : 200));
      // A third start like a frame, so the fuzz reaches past the magic and version checks.
      if (i % 3 === 0 && bytes.length >= 4) bytes.set([0x54, 0x43, 0x01, rng.int(5)]);
      checkShape(bytes, decodeFrame(bytes));
      decodes++;
    }
  });

  it('never accepts a mutated sealed frame as valid with different content', () => {
    const identity = identityKeypairFromSeed(new Uint8Array(32).fill(3));
    const platform = kxKeypairFromSeed(new Uint8Array(32).fill(4));
    const sender = createDeviceSender({
      credentials: { version: 1, deviceId: 300, name: 'fuzz', identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, platformPublicKey: platform.publicKey },
      random: seededRandom(9),
      now: () => 1_700_000_000_000,
    });
    const session = sender.sessionFrame();
    const sessionFrame = decodeFrame(session);
    assert.ok(sessionFrame.ok);
    const opened = verifySession(sessionFrame.value, identity.publicKey);
    assert.ok(opened.ok);
    const derived = serverSessionKey(platform, opened.value.ephemeralPublicKey);
    assert.ok(derived.ok);
    const key = derived.value;
    const originals = [
      session,
      sender.readingFrame({ ts: 1_700_000_000_000, temperature: 20, pressure: 100, humidity: 40 }),
      sender.cycleFrame({ cycleStart: 1_700_000_000_000, cycle: 1, phases: [1, 2, 3, 4, 5].map((p) => [p, p, p, p, p]) }),
    ];
    const stats = { unchanged: 0, rejectedByCodec: 0, sessionsVerified: 0, sessionsSkipped: 0, dataOpened: 0 };

    for (let i = 0; i < MUTANTS; i++) {
      const original = originals[i % originals.length]!;
      const bytes = mutateRandomly(original, rng);
      const r = decodeFrame(bytes);
      checkShape(bytes, r);
      decodes++;
      if (!r.ok) {
        stats.rejectedByCodec++;
        continue;
      }
      if (equalBytes(bytes, original)) {
        stats.unchanged++;
        continue;
      }
      if (r.value.type === 'session') {
        if (stats.sessionsVerified >= MAX_SESSION_VERIFIES) {
          stats.sessionsSkipped++;
          continue;
        }
        stats.sessionsVerified++;
        const v = verifySession(r.value, identity.publicKey);
        assert.equal(v.ok ? 'accepted' : v.error.code, 'BAD_SIGNATURE', `mutant session accepted: ${toHex(bytes)}`);
      } else {
        stats.dataOpened++;
        const o = openData(r.value, key);
        assert.equal(o.ok ? 'accepted' : o.error.code, 'DECRYPT_FAILED', `mutant data frame opened: ${toHex(bytes)}`);
      }
    }
    // The crypto half of this test must have been exercised, or it proves nothing.
    assert.ok(stats.sessionsVerified >= 1_000, JSON.stringify(stats));
    assert.ok(stats.dataOpened >= 5_000, JSON.stringify(stats));
  });

  it('splitFrames and decodePayload never throw on random input', () => {
    for (let i = 0; i < 3_000; i++) {
      const body = random(rng.int(3000));
      // Small prefixes now and then, so some streams split into several items.
      if (body.length >= 4 && i % 2 === 0) body.set([0, 0, rng.int(2), rng.int(256)]);
      const r = splitFrames(body);
      assert.ok(r.ok);
      for (const f of r.value.frames) checkShape(f, decodeFrame(f));
      decodes += r.value.frames.length;
      const p = decodePayload(i % 2 ? 'reading' : 'cycle', 1 + rng.int(3), random(i % 7 === 0 ? (i % 2 ? 22 : 114) : rng.int(130)));
      if (!p.ok) assert.ok(isErrorCode(p.error.code));
    }
  });

  after(() => assert.ok(decodes >= 100_000, `only ${decodes} buffers decoded`));
});
