import {
  decodePayload,
  openData,
  serverSessionKey,
  toTextRecord,
  verifySession,
  fail,
  ok,
  type DataFrameType,
  type Frame,
  type Payload,
  type Result,
  type TextRecord,
} from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';
import { MISS, type VerifyState } from './verify-state.js';

/** A session frame that was verified and recorded; shaped like a record's accepted outcome. */
export interface OpenedSession {
  readonly type: 'session';
  readonly device: number;
  readonly seq: string;
}

/** What one frame turned into: a session (already recorded) or a text record still to be stored. */
export type Verified = OpenedSession | TextRecord;

/**
 * A frame's verdict. A Failure with a catalogued code rejects just this
 * frame; `infra` failures (database down) are returned separately so the
 * whole request is retried instead.
 */
export type Verdict = Result<Verified> | { readonly infra: string };

/**
 * Verifies one decoded frame (wire-format §3, §4, §7), in the order of
 * §7.1's table, without awaiting: the steady state, a READING or CYCLE
 * frame whose device, session key and replay floor are all in memory.
 * undefined when something must be read from or written to the database
 * (a SESSION frame, a device's first frame, an expired device entry, a key
 * not seen yet): `verifyFrame` answers that frame, and fills the caches
 * for the frames after it. Both run the same checks in the same order, so
 * they give the same answer.
 */
export function verifyCached(frame: Frame, state: VerifyState): Result<Verified> | undefined {
  const device = state.peekDevice(frame.deviceId);
  if (device === MISS) return undefined;
  if (!device) return unknownDevice(frame);
  if (frame.type === 'session') return undefined;

  const key = state.peekSessionKey(frame.deviceId, frame.keyId);
  if (key === MISS) return undefined;
  const payload = openPayload(frame, frame.type, key);
  if (!payload.ok) return payload;
  const floor = state.peekReplayFloor(frame.deviceId);
  if (floor === MISS) return undefined;
  return belowFloor(frame, floor) ?? ok(toTextRecord(frame, payload.value));
}

/** The same checks as `verifyCached`, asking the database for whatever is not cached. */
export async function verifyFrame(frame: Frame, deps: VerifyDeps, state: VerifyState): Promise<Verdict> {
  const device = await state.device(frame.deviceId);
  if ('infra' in device) return device;
  if (!device.value) return unknownDevice(frame);
  if (frame.type === 'session') return openSession(frame, device.value.identityPublicKey, deps, state);

  const key = await state.sessionKey(frame.deviceId, frame.keyId);
  if ('infra' in key) return key;
  if (!key.value) return fail('UNKNOWN_KEY', `no session ${frame.keyId} for device ${frame.deviceId}; send a session frame first`, 6);
  const payload = openPayload(frame, frame.type, key.value);
  if (!payload.ok) return payload;
  const window = await outsideWindow(frame, state);
  if (window) return window;
  return ok(toTextRecord(frame, payload.value));
}

const unknownDevice = (frame: Frame) => fail('UNKNOWN_DEVICE', `device ${frame.deviceId} is not registered or was revoked`, 4);

/** wire-format §4, §5: authenticate and decrypt, then check the payload's size, time and device id. */
function openPayload(frame: Frame, type: DataFrameType, key: Uint8Array): Result<Payload> {
  const plain = openData(frame, key);
  if (!plain.ok) return plain;
  return decodePayload(type, frame.deviceId, plain.value);
}

/**
 * wire-format §7.2.1: checked only after the frame is authenticated, so a
 * REPLAY answer is only ever given for a frame the device really sent.
 */
function belowFloor(frame: Frame, floor: bigint | undefined): Result<never> | undefined {
  if (floor !== undefined && frame.seq <= floor) {
    return fail('REPLAY', `seq ${frame.seq} is older than the replay window (must exceed ${floor})`, 10);
  }
  return undefined;
}

async function outsideWindow(frame: Frame, state: VerifyState): Promise<Result<never> | { infra: string } | undefined> {
  const floor = await state.replayFloor(frame.deviceId);
  if ('infra' in floor) return floor;
  return belowFloor(frame, floor.value);
}

/** wire-format §3: verify the identity signature, derive the key, record the session and its seq. */
async function openSession(frame: Frame, identityPublicKey: Uint8Array, deps: VerifyDeps, state: VerifyState): Promise<Verdict> {
  const signed = verifySession(frame, identityPublicKey);
  if (!signed.ok) return signed;
  const key = serverSessionKey(deps.platformKeys, signed.value.ephemeralPublicKey);
  if (!key.ok) return key;
  const window = await outsideWindow(frame, state);
  if (window) return window;

  const opened = await deps.registry.openSession({ deviceId: frame.deviceId, keyId: frame.keyId, sessionKey: key.value, seq: frame.seq });
  if (!opened.ok) return { infra: opened.error.message };
  if (opened.value === 'exists') {
    const existing = await state.sessionKey(frame.deviceId, frame.keyId);
    if ('infra' in existing) return existing;
    if (!existing.value || !sameBytes(existing.value, key.value)) {
      return fail('KEY_ID_IN_USE', `key id ${frame.keyId} already names another session of device ${frame.deviceId}; rotate to a new key id`, 6);
    }
  }
  const ledger = await deps.recordFrame({ device: frame.deviceId, seq: frame.seq, type: 'session', keyId: frame.keyId });
  if (!ledger.ok) return { infra: ledger.error.message };
  if (ledger.value === 'duplicate') return fail('REPLAY', `session frame seq ${frame.seq} was already received`, 10);
  state.remember(frame.deviceId, frame.seq, frame.keyId, key.value);
  return ok({ type: 'session', device: frame.deviceId, seq: frame.seq.toString() });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
