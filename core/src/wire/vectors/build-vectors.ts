import { sealData } from '../../crypto/data-seal.js';
import { identityKeypairFromSeed, kxKeypairFromSeed } from '../../crypto/keys.js';
import { signSessionBody } from '../../crypto/session-frame.js';
import { clientSessionKeys } from '../../crypto/session-keys.js';
import { concatBytes, toHex, viewOf } from '../bytes.js';
import { encodeFrame, encodeHeader } from '../encode-frame.js';
import { encodePayload } from '../encode-payload.js';
import type { FrameHeader, Payload } from '../frame-types.js';
import { joinFrames } from '../stream-framing.js';
import type { ErrorVector, FrameVector, StreamVector, WireVectors } from './vector-types.js';
import { toJsonFloat } from './vector-types.js';

/** n bytes counting up from `start`: seeds and nonces anyone can retype. */
const counting = (start: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);

const DEVICE = 7;
const KEY_ID = 0x0a0b0c0d;
const SEQ0 = 1_700_000_000_000_000n;
const CLOCK = 1_700_000_000_000;
const PHASES = [0, 1, 2, 3, 4].map((p) => [0, 1, 2, 3, 4].map((s) => 20 + p + s / 4));

/**
 * Builds the committed test vectors (wire-format §9) from fixed seeds and
 * nonces: Ed25519 signatures and XChaCha20-Poly1305 under a fixed nonce are
 * deterministic, so the output is byte-for-byte stable. Needs sodiumReady().
 */
export function buildVectors(): WireVectors {
  const identitySeed = counting(0x00, 32);
  const platformSeed = counting(0x20, 32);
  const ephemeralSeed = counting(0x40, 32);
  const identity = identityKeypairFromSeed(identitySeed);
  const platform = kxKeypairFromSeed(platformSeed);
  const ephemeral = kxKeypairFromSeed(ephemeralSeed);
  const keys = clientSessionKeys(ephemeral, platform.publicKey);
  if (!keys.ok) throw new Error(keys.error.message);
  const sessionKey = keys.value.tx;

  const header = (type: FrameHeader['type'], i: number, over: Partial<FrameHeader> = {}): FrameHeader => ({ type, deviceId: DEVICE, keyId: KEY_ID, seq: SEQ0 + BigInt(i), ...over });
  const session = (h: FrameHeader, ephPk = ephemeral.publicKey, signer = identity.secretKey) =>
    encodeFrame({ ...h, body: signSessionBody(encodeHeader(h), ephPk, CLOCK, signer) });
  const sealed = (h: FrameHeader, plaintext: Uint8Array, nonce: Uint8Array, key = sessionKey) =>
    encodeFrame({ ...h, body: sealData(encodeHeader(h), plaintext, key, nonce) });

  const reading1: Payload = { type: 'reading', deviceId: DEVICE, ts: CLOCK + 1000, temperature: 21.5, pressure: 101.25, humidity: 45.5 };
  const reading2: Payload = { type: 'reading', deviceId: DEVICE, ts: CLOCK + 2000, temperature: -Infinity, pressure: 99.75, humidity: NaN };
  const cycle: Payload = { type: 'cycle', deviceId: DEVICE, cycleStart: CLOCK, cycle: 42, phases: PHASES };

  const frames: FrameVector[] = [];
  const sessionHeader = header('session', 0);
  const sessionBytes = session(sessionHeader);
  frames.push({ name: 'session', frame: toHex(sessionBytes), header: jsonHeader(sessionHeader), session: { ephemeralPublicKey: toHex(ephemeral.publicKey), clockMs: CLOCK } });
  const data: Array<[string, Payload, number]> = [['reading', reading1, 0x60], ['reading with failed sensors', reading2, 0x80], ['cycle', cycle, 0xa0]];
  const dataBytes: Uint8Array[] = [];
  data.forEach(([name, payload, nonceStart], i) => {
    const h = header(payload.type, i + 1);
    const nonce = counting(nonceStart, 24);
    const plaintext = encodePayload(payload);
    const bytes = sealed(h, plaintext, nonce);
    dataBytes.push(bytes);
    frames.push({ name, frame: toHex(bytes), header: jsonHeader(h), nonce: toHex(nonce), plaintext: toHex(plaintext), payload: jsonPayload(payload) });
  });
  const readingBytes = dataBytes[0]!;

  const errors: ErrorVector[] = [];
  const err = (name: string, bytes: Uint8Array, stage: ErrorVector['stage'], code: string, at: number) =>
    errors.push({ name, frame: toHex(bytes), stage, code, at });
  const patched = (bytes: Uint8Array, at: number, ...values: number[]) => {
    const out = bytes.slice();
    out.set(values, at);
    return out;
  };
  // §2.4: one vector per codec check, each a small edit of the valid READING frame.
  err('empty', new Uint8Array(0), 'decode', 'TRUNCATED', 0);
  err('header cut inside seq', readingBytes.subarray(0, 14), 'decode', 'TRUNCATED', 10);
  err('wrong magic', patched(readingBytes, 0, 0x54, 0x44), 'decode', 'BAD_MAGIC', 0);
  err('version 2', patched(readingBytes, 2, 0x02), 'decode', 'BAD_VERSION', 2);
  err('type 4', patched(readingBytes, 3, 0x04), 'decode', 'BAD_TYPE', 3);
  err('device id 0', patched(readingBytes, 4, 0x00, 0x00), 'decode', 'BAD_DEVICE_ID', 4);
  err('device id -1', patched(readingBytes, 4, 0xff, 0xff), 'decode', 'BAD_DEVICE_ID', 4);
  err('seq 2^63', patched(readingBytes, 10, 0x80, 0, 0, 0, 0, 0, 0, 0), 'decode', 'BAD_SEQ', 10);
  err('declared body 1005', patched(readingBytes, 18, 0x03, 0xed), 'decode', 'TOO_LARGE', 18);
  err('declared body wrong for type', patched(readingBytes, 18, 0x00, 0x3f), 'decode', 'BAD_LENGTH', 18);
  err('type changed to CYCLE', patched(readingBytes, 3, 0x03), 'decode', 'BAD_LENGTH', 18);
  err('body one byte short', readingBytes.subarray(0, 81), 'decode', 'TRUNCATED', 20);
  err('one byte after the frame', concatBytes(readingBytes, new Uint8Array([0])), 'decode', 'BAD_LENGTH', 82);
  err('1025 bytes', concatBytes(readingBytes, new Uint8Array(1025 - 82)), 'decode', 'TOO_LARGE', 1024);
  // §3.2: the signature covers header, ephemeral key and clock.
  err('session signed by another identity', session(sessionHeader, ephemeral.publicKey, identityKeypairFromSeed(counting(0xe0, 32)).secretKey), 'verify', 'BAD_SIGNATURE', 60);
  err('session with seq changed after signing', patched(sessionBytes, 17, sessionBytes[17]! ^ 1), 'verify', 'BAD_SIGNATURE', 60);
  err('session with the ephemeral key changed', patched(sessionBytes, 20, sessionBytes[20]! ^ 1), 'verify', 'BAD_SIGNATURE', 60);
  err('session with a low-order ephemeral key', session(sessionHeader, new Uint8Array(32)), 'session-key', 'BAD_SESSION_KEY', 20);
  // §4.2: the header is the AD, the tag covers the ciphertext.
  err('reading with key id changed', patched(readingBytes, 9, readingBytes[9]! ^ 1), 'open', 'DECRYPT_FAILED', 44);
  err('reading with seq changed', patched(readingBytes, 17, readingBytes[17]! ^ 1), 'open', 'DECRYPT_FAILED', 44);
  err('reading with a ciphertext bit flipped', patched(readingBytes, 50, readingBytes[50]! ^ 0x10), 'open', 'DECRYPT_FAILED', 44);
  err('reading sealed under another key', sealed(header('reading', 1), encodePayload(reading1), counting(0x60, 24), counting(0xc0, 32)), 'open', 'DECRYPT_FAILED', 44);
  // §5.3: sealed correctly, wrong inside.
  err('payload names device 8', sealed(header('reading', 1), encodePayload({ ...reading1, deviceId: 8 }), counting(0x60, 24)), 'payload', 'DEVICE_MISMATCH', 0);
  err('payload time past the Date range', sealed(header('reading', 1), badTime(encodePayload(reading1)), counting(0x60, 24)), 'payload', 'BAD_PAYLOAD', 2);

  const streams: StreamVector[] = [
    stream('three frames', joinFrames([sessionBytes, readingBytes, dataBytes[2]!]), [sessionBytes, readingBytes, dataBytes[2]!], null),
    stream('prefix over 1024 after one frame', concatBytes(joinFrames([readingBytes]), new Uint8Array([0, 0, 0x04, 0x01])), [readingBytes], { code: 'TOO_LARGE', at: 86 }),
    stream('last frame cut short', joinFrames([readingBytes, readingBytes]).subarray(0, 86 + 40), [readingBytes], { code: 'TRUNCATED', at: 86 }),
  ];

  return {
    description: 'TypedCluster wire format v1 test vectors. Regenerate with the generator; a test fails when this file drifts from it.',
    spec: 'docs/wire-format.md',
    generator: 'core/src/wire/vectors/generate-vectors.ts',
    keys: {
      identitySeed: toHex(identitySeed), identityPublicKey: toHex(identity.publicKey), identitySecretKey: toHex(identity.secretKey),
      platformSeed: toHex(platformSeed), platformPublicKey: toHex(platform.publicKey), platformSecretKey: toHex(platform.secretKey),
      ephemeralSeed: toHex(ephemeralSeed), ephemeralPublicKey: toHex(ephemeral.publicKey), ephemeralSecretKey: toHex(ephemeral.secretKey),
      sessionKey: toHex(sessionKey),
    },
    frames,
    errors,
    streams,
  };
}

/** The same payload with its timestamp set to 2^62 ms, which encodePayload would refuse. */
function badTime(plaintext: Uint8Array): Uint8Array {
  const out = plaintext.slice();
  viewOf(out).setBigInt64(2, 1n << 62n);
  return out;
}

function stream(name: string, body: Uint8Array, frames: Uint8Array[], rest: StreamVector['rest']): StreamVector {
  return { name, body: toHex(body), frames: frames.map(toHex), rest };
}

const jsonHeader = (h: FrameHeader) => ({ type: h.type, deviceId: h.deviceId, keyId: h.keyId, seq: h.seq.toString() });

function jsonPayload(p: Payload): NonNullable<FrameVector['payload']> {
  if (p.type === 'reading') {
    return { type: p.type, deviceId: p.deviceId, ts: p.ts, temperature: toJsonFloat(p.temperature), pressure: toJsonFloat(p.pressure), humidity: toJsonFloat(p.humidity) };
  }
  return { type: p.type, deviceId: p.deviceId, cycleStart: p.cycleStart, cycle: p.cycle, phases: p.phases.map((row) => row.map(toJsonFloat)) };
}
