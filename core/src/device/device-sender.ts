import { StartupError } from '../errors/startup-error.js';
import { draw, generateKxKeypair } from '../crypto/keys.js';
import type { KeyPair, RandomSource } from '../crypto/keys.js';
import { sealData } from '../crypto/data-seal.js';
import { signSessionBody } from '../crypto/session-frame.js';
import { clientSessionKeys } from '../crypto/session-keys.js';
import { viewOf } from '../wire/bytes.js';
import { MAX_SEQ, NONCE_SIZE } from '../wire/constants.js';
import { encodeFrame, encodeHeader } from '../wire/encode-frame.js';
import { encodePayload } from '../wire/encode-payload.js';
import type { FrameHeader, FrameType } from '../wire/frame-types.js';
import type { DeviceCredentials } from './credentials.js';

export interface DeviceSenderOptions {
  readonly credentials: DeviceCredentials;
  readonly random: RandomSource;
  /** Wall clock, ms since the epoch: the session clock and the default initial seq. */
  readonly now: () => number;
  /** Default BigInt(now()) * 1000n, so seq keeps increasing across restarts (wire-format §2.3). */
  readonly initialSeq?: bigint;
  /** Default: a random u32 (wire-format §3.3). */
  readonly keyId?: number;
}

export interface ReadingInput {
  readonly ts: number;
  readonly temperature: number;
  readonly pressure: number;
  readonly humidity: number;
}

export interface CycleInput {
  readonly cycleStart: number;
  readonly cycle: number;
  /** phases[p][s], 5 × 5 (wire-format §5.2). */
  readonly phases: ReadonlyArray<ReadonlyArray<number>>;
}

/** Builds a device's frames; each call takes the next seq. */
export interface DeviceSender {
  readonly keyId: number;
  /** The seq the next frame will carry. */
  readonly nextSeq: bigint;
  /** A SESSION frame for the current key id; send it first, and again when the platform answers UNKNOWN_KEY. */
  sessionFrame(): Uint8Array;
  readingFrame(r: ReadingInput): Uint8Array;
  cycleFrame(c: CycleInput): Uint8Array;
  /** New key id and ephemeral key (wire-format §3.5); returns the new session's SESSION frame. */
  rotate(): Uint8Array;
}

interface Session {
  readonly keyId: number;
  readonly ephemeral: KeyPair;
  readonly tx: Uint8Array;
}

/**
 * The device side of wire format v1. Needs `await sodiumReady()` first.
 * Throws StartupError (CONFIG_INVALID) when the platform public key is
 * unusable: that is a provisioning error, found at start.
 */
export function createDeviceSender(opts: DeviceSenderOptions): DeviceSender {
  const { credentials, random, now } = opts;
  const deviceId = credentials.deviceId;
  let seq = opts.initialSeq ?? BigInt(now()) * 1000n;
  let session = openSession(opts.keyId ?? randomKeyId(random));

  function openSession(keyId: number): Session {
    const ephemeral = generateKxKeypair(random);
    const keys = clientSessionKeys(ephemeral, credentials.platformPublicKey);
    if (!keys.ok) throw new StartupError('CONFIG_INVALID', keys.error.message, 'provision the device again with the platform public key');
    return { keyId, ephemeral, tx: keys.value.tx };
  }

  function header(type: FrameType): { fields: FrameHeader; bytes: Uint8Array } {
    if (seq > MAX_SEQ) throw new RangeError('seq exhausted: 2^63-1 reached');
    const fields = { type, deviceId, keyId: session.keyId, seq };
    const bytes = encodeHeader(fields);
    seq += 1n; // wire-format §2.3: strictly increasing across all frames and sessions
    return { fields, bytes };
  }

  function sessionFrame(): Uint8Array {
    const h = header('session');
    return encodeFrame({ ...h.fields, body: signSessionBody(h.bytes, session.ephemeral.publicKey, now(), credentials.identitySecretKey) });
  }

  function dataFrame(type: 'reading' | 'cycle', plaintext: Uint8Array): Uint8Array {
    const h = header(type);
    return encodeFrame({ ...h.fields, body: sealData(h.bytes, plaintext, session.tx, draw(random, NONCE_SIZE)) });
  }

  return {
    get keyId() {
      return session.keyId;
    },
    get nextSeq() {
      return seq;
    },
    sessionFrame,
    readingFrame: (r) => dataFrame('reading', encodePayload({ type: 'reading', deviceId, ...pick(r) })),
    cycleFrame: (c) =>
      dataFrame('cycle', encodePayload({ type: 'cycle', deviceId, cycleStart: c.cycleStart, cycle: c.cycle, phases: c.phases })),
    rotate() {
      const drawn = randomKeyId(random);
      // A new key id must differ from the current one; stepping on a clash keeps this loop-free.
      session = openSession(drawn === session.keyId ? (drawn + 1) % 0x1_0000_0000 : drawn);
      return sessionFrame();
    },
  };
}

const pick = (r: ReadingInput) => ({ ts: r.ts, temperature: r.temperature, pressure: r.pressure, humidity: r.humidity });

function randomKeyId(random: RandomSource): number {
  return viewOf(draw(random, 4)).getUint32(0);
}
