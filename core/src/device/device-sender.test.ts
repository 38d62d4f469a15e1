import assert from 'node:assert/strict';
import { openData } from '../crypto/data-seal.js';
import { identityKeypairFromSeed, kxKeypairFromSeed } from '../crypto/keys.js';
import { seededRandom } from '../crypto/seeded-random.js';
import { verifySession } from '../crypto/session-frame.js';
import { serverSessionKey } from '../crypto/session-keys.js';
import { sodiumReady } from '../crypto/sodium.js';
import { StartupError } from '../errors/startup-error.js';
import { decodeFrame } from '../wire/decode-frame.js';
import { decodePayload } from '../wire/decode-payload.js';
import type { Frame } from '../wire/frame-types.js';
import type { DeviceCredentials } from './credentials.js';
import { createDeviceSender } from './device-sender.js';

const NOW = 1_700_000_000_000;
const PHASES = [0, 1, 2, 3, 4].map((p) => [0, 1, 2, 3, 4].map((s) => p * 10 + s));

describe('device sender (wire-format §3.4, §3.5)', () => {
  const platform = () => kxKeypairFromSeed(new Uint8Array(32).fill(2));
  const identity = () => identityKeypairFromSeed(new Uint8Array(32).fill(1));
  let creds: DeviceCredentials;
  before(async () => {
    await sodiumReady();
    const id = identity();
    creds = { version: 1, deviceId: 21, name: 'd21', identitySecretKey: id.secretKey, identityPublicKey: id.publicKey, platformPublicKey: platform().publicKey };
  });
  const sender = (extra: { initialSeq?: bigint; keyId?: number } = {}) =>
    createDeviceSender({ credentials: creds, random: seededRandom(1), now: () => NOW, ...extra });
  const decoded = (bytes: Uint8Array): Frame => {
    const r = decodeFrame(bytes);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  /** What the platform does: verify the session, derive the key. */
  const platformKeyFor = (sessionBytes: Uint8Array): Uint8Array => {
    const v = verifySession(decoded(sessionBytes), creds.identityPublicKey);
    assert.ok(v.ok, 'session must verify');
    const k = serverSessionKey(platform(), v.value.ephemeralPublicKey);
    assert.ok(k.ok);
    return k.value;
  };

  it('sends frames the platform verifies, opens and decodes', () => {
    const s = sender();
    const key = platformKeyFor(s.sessionFrame());
    const reading = decoded(s.readingFrame({ ts: NOW, temperature: 21.5, pressure: 101.25, humidity: NaN }));
    const opened = openData(reading, key);
    assert.ok(opened.ok);
    const payload = decodePayload('reading', reading.deviceId, opened.value);
    assert.deepStrictEqual(payload.ok && payload.value, { type: 'reading', deviceId: 21, ts: NOW, temperature: 21.5, pressure: 101.25, humidity: NaN });

    const cycle = decoded(s.cycleFrame({ cycleStart: NOW, cycle: 7, phases: PHASES }));
    const openedCycle = openData(cycle, key);
    assert.ok(openedCycle.ok);
    const c = decodePayload('cycle', cycle.deviceId, openedCycle.value);
    assert.deepStrictEqual(c.ok && c.value, { type: 'cycle', deviceId: 21, cycleStart: NOW, cycle: 7, phases: PHASES });
  });

  it('frames are 124 (SESSION), 82 (READING) and 174 (CYCLE) bytes', () => {
    const s = sender();
    assert.deepEqual(
      [s.sessionFrame().length, s.readingFrame({ ts: NOW, temperature: 1, pressure: 2, humidity: 3 }).length, s.cycleFrame({ cycleStart: NOW, cycle: 1, phases: PHASES }).length],
      [124, 82, 174],
    );
  });

  it('seq starts at now × 1000 and increases by one per frame, across rotations', () => {
    const s = sender();
    assert.equal(s.nextSeq, BigInt(NOW) * 1000n);
    const seqs = [
      s.sessionFrame(),
      s.readingFrame({ ts: NOW, temperature: 1, pressure: 2, humidity: 3 }),
      s.rotate(),
      s.cycleFrame({ cycleStart: NOW, cycle: 1, phases: PHASES }),
    ].map((f) => decoded(f).seq);
    const first = BigInt(NOW) * 1000n;
    assert.deepEqual(seqs, [first, first + 1n, first + 2n, first + 3n]);
    assert.equal(s.nextSeq, first + 4n);
  });

  it('honours initialSeq and keyId', () => {
    const s = sender({ initialSeq: 41n, keyId: 0xdead });
    const f = decoded(s.sessionFrame());
    assert.deepEqual([f.seq, f.keyId, f.deviceId, s.keyId], [41n, 0xdead, 21, 0xdead]);
  });

  it('rotate picks a new key id and ephemeral key: the old session key no longer opens', () => {
    const s = sender({ keyId: 5 });
    const oldKey = platformKeyFor(s.sessionFrame());
    const rotated = s.rotate();
    assert.notEqual(s.keyId, 5);
    assert.equal(decoded(rotated).keyId, s.keyId);
    const newKey = platformKeyFor(rotated);
    const reading = decoded(s.readingFrame({ ts: NOW, temperature: 1, pressure: 2, humidity: 3 }));
    assert.equal(reading.keyId, s.keyId);
    assert.equal(openData(reading, oldKey).ok, false);
    assert.equal(openData(reading, newKey).ok, true);
  });

  it('refuses to run past seq 2^63-1', () => {
    const s = sender({ initialSeq: (1n << 63n) - 1n });
    assert.equal(decoded(s.sessionFrame()).seq, (1n << 63n) - 1n);
    assert.throws(() => s.readingFrame({ ts: NOW, temperature: 1, pressure: 2, humidity: 3 }), RangeError);
  });

  it('an unusable platform public key fails at start with CONFIG_INVALID', () => {
    assert.throws(
      () => createDeviceSender({ credentials: { ...creds, platformPublicKey: new Uint8Array(32) }, random: seededRandom(1), now: () => NOW }),
      (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID',
    );
  });
});
