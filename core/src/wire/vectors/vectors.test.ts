import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openData } from '../../crypto/data-seal.js';
import { verifySession } from '../../crypto/session-frame.js';
import { serverSessionKey } from '../../crypto/session-keys.js';
import { sodiumReady } from '../../crypto/sodium.js';
import type { Result } from '../../result/result.js';
import { fromHex, toHex } from '../bytes.js';
import { decodeFrame } from '../decode-frame.js';
import { decodePayload } from '../decode-payload.js';
import { splitFrames } from '../stream-framing.js';
import { buildVectors } from './build-vectors.js';
import { VECTORS_PATH, renderVectors } from './vectors-file.js';
import type { Stage, WireVectors } from './vector-types.js';
import { fromJsonFloat } from './vector-types.js';

/**
 * The committed vectors, checked the way another implementation would:
 * from the JSON alone, through the pipeline's stages in order (§9).
 */
describe('test vectors test-vectors/wire-v1.json (wire-format §9)', () => {
  const text = readFileSync(VECTORS_PATH, 'utf8');
  const v = JSON.parse(text) as WireVectors;
  const k = (name: keyof WireVectors['keys']) => fromHex(v.keys[name]);
  const platform = () => ({ publicKey: k('platformPublicKey'), secretKey: k('platformSecretKey') });
  before(sodiumReady);

  it('match the generator output byte for byte (regenerate: core/src/wire/vectors/generate-vectors.ts)', () => {
    assert.equal(text, renderVectors(buildVectors()));
  });

  it('cover every frame type and all the codes a frame alone can raise', () => {
    assert.deepEqual(new Set(v.frames.map((f) => f.header.type)), new Set(['session', 'reading', 'cycle']));
    const codes = new Set(v.errors.map((e) => e.code));
    for (const c of ['TRUNCATED', 'TOO_LARGE', 'BAD_MAGIC', 'BAD_VERSION', 'BAD_TYPE', 'BAD_LENGTH', 'BAD_DEVICE_ID', 'BAD_SEQ', 'BAD_PAYLOAD', 'DEVICE_MISMATCH', 'BAD_SIGNATURE', 'BAD_SESSION_KEY', 'DECRYPT_FAILED']) {
      assert.ok(codes.has(c), `no vector for ${c}`);
    }
  });

  it('the platform derives the session key from the session frame', () => {
    const session = v.frames.find((f) => f.header.type === 'session')!;
    const frame = decodeFrame(fromHex(session.frame));
    assert.ok(frame.ok);
    const opened = verifySession(frame.value, k('identityPublicKey'));
    assert.ok(opened.ok);
    assert.equal(toHex(opened.value.ephemeralPublicKey), session.session?.ephemeralPublicKey);
    assert.equal(opened.value.clockMs, session.session?.clockMs);
    const key = serverSessionKey(platform(), opened.value.ephemeralPublicKey);
    assert.ok(key.ok);
    assert.equal(toHex(key.value), v.keys.sessionKey);
  });

  for (const f of v.frames) {
    it(`frame "${f.name}" decodes${f.payload ? ', opens and decodes its payload' : ''}`, () => {
      const frame = decodeFrame(fromHex(f.frame));
      assert.ok(frame.ok);
      const { type, deviceId, keyId, seq } = frame.value;
      assert.deepEqual({ type, deviceId, keyId, seq: seq.toString() }, f.header);
      if (!f.payload) return;
      assert.equal(toHex(frame.value.body.subarray(0, 24)), f.nonce);
      const plain = openData(frame.value, k('sessionKey'));
      assert.ok(plain.ok);
      assert.equal(toHex(plain.value), f.plaintext);
      const p = decodePayload(f.payload.type, deviceId, plain.value);
      assert.ok(p.ok);
      const expected = f.payload.type === 'reading'
        ? { ...f.payload, temperature: fromJsonFloat(f.payload.temperature), pressure: fromJsonFloat(f.payload.pressure), humidity: fromJsonFloat(f.payload.humidity) }
        : { ...f.payload, phases: f.payload.phases.map((row) => row.map(fromJsonFloat)) };
      assert.deepStrictEqual(p.value, expected);
    });
  }

  for (const e of v.errors) {
    it(`error "${e.name}" fails at ${e.stage} with ${e.code} at ${e.at}`, () => {
      assert.deepEqual(runUntilFailure(fromHex(e.frame)), { stage: e.stage, code: e.code, at: e.at });
    });
  }

  for (const s of v.streams) {
    it(`stream "${s.name}" splits into ${s.frames.length} frames`, () => {
      const r = splitFrames(fromHex(s.body));
      assert.ok(r.ok);
      assert.deepEqual(r.value.frames.map(toHex), s.frames);
      assert.deepEqual(r.value.rest ? { code: r.value.rest.code, at: r.value.rest.at } : null, s.rest);
    });
  }

  /** The platform pipeline (§7): decode, then verify + derive (SESSION) or open + payload (data). */
  function runUntilFailure(bytes: Uint8Array): { stage: Stage; code: string; at: unknown } | 'accepted' {
    const failed = <T>(stage: Stage, r: Result<T>) => (r.ok ? undefined : { stage, code: r.error.code, at: r.error.at });
    const frame = decodeFrame(bytes);
    if (!frame.ok) return failed('decode', frame)!;
    if (frame.value.type === 'session') {
      const s = verifySession(frame.value, k('identityPublicKey'));
      if (!s.ok) return failed('verify', s)!;
      return failed('session-key', serverSessionKey(platform(), s.value.ephemeralPublicKey)) ?? 'accepted';
    }
    const plain = openData(frame.value, k('sessionKey'));
    if (!plain.ok) return failed('open', plain)!;
    return failed('payload', decodePayload(frame.value.type, frame.value.deviceId, plain.value)) ?? 'accepted';
  }
});
