import {
  decodeFrame,
  decodePayload,
  openData,
  serverSessionKey,
  toTextRecord,
  verifySession,
  fail,
  ok,
  type Frame,
  type Result,
  type TextRecord,
} from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';
import type { VerifyState } from './verify-state.js';

/** What one frame turned into: a session (already recorded) or a text record still to be stored. */
export type Verified = { readonly kind: 'session'; readonly frame: Frame } | { readonly kind: 'record'; readonly frame: Frame; readonly record: TextRecord };

/**
 * Verifies one frame (wire-format §3, §4, §7), in the order of §7.1's table.
 * A Failure with a catalogued
 * code rejects just this frame; `infra` failures (database down) are
 * returned separately so the whole request is retried instead.
 */
export async function verifyFrame(bytes: Uint8Array, deps: VerifyDeps, state: VerifyState): Promise<Result<Verified> | { infra: string }> {
  const decoded = decodeFrame(bytes);
  if (!decoded.ok) return decoded;
  const frame = decoded.value;

  const device = await state.device(frame.deviceId);
  if ('infra' in device) return device;
  if (!device.value) return fail('UNKNOWN_DEVICE', `device ${frame.deviceId} is not registered or was revoked`, 4);

  if (frame.type === 'session') return openSession(frame, device.value.identityPublicKey, deps, state);

  const key = await state.sessionKey(frame.deviceId, frame.keyId);
  if ('infra' in key) return key;
  if (!key.value) return fail('UNKNOWN_KEY', `no session ${frame.keyId} for device ${frame.deviceId}; send a session frame first`, 6);
  const plain = openData(frame, key.value);
  if (!plain.ok) return plain;
  const payload = decodePayload(frame.type, frame.deviceId, plain.value);
  if (!payload.ok) return payload;
  const window = await outsideWindow(frame, state);
  if (window) return window;
  return ok({ kind: 'record', frame, record: toTextRecord(frame, payload.value) });
}

/**
 * wire-format §7.2.1: checked only after the frame is authenticated, so a
 * REPLAY answer is only ever given for a frame the device really sent.
 */
async function outsideWindow(frame: Frame, state: VerifyState): Promise<Result<never> | { infra: string } | undefined> {
  const floor = await state.replayFloor(frame.deviceId);
  if ('infra' in floor) return floor;
  if (floor.value !== undefined && frame.seq <= floor.value) {
    return fail('REPLAY', `seq ${frame.seq} is older than the replay window (must exceed ${floor.value})`, 10);
  }
  return undefined;
}

/** wire-format §3: verify the identity signature, derive the key, record the session and its seq. */
async function openSession(frame: Frame, identityPublicKey: Uint8Array, deps: VerifyDeps, state: VerifyState): Promise<Result<Verified> | { infra: string }> {
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
  return ok({ kind: 'session', frame });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
