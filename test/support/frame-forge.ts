import {
  clientSessionKeys,
  encodeFrame,
  encodeHeader,
  encodePayload,
  generateKxKeypair,
  sealData,
  signSessionBody,
  type DeviceCredentials,
  type RandomSource,
  type ReadingPayload,
} from '@typedcluster/core';

/**
 * Builds frames by hand from the wire primitives, for the cases the honest
 * DeviceSender never produces: payloads that decrypt but are wrong, key ids
 * reused, low-order ephemeral keys. Test-only.
 */
export function forgeSession(creds: DeviceCredentials, keyId: number, seq: bigint, random: RandomSource, ephemeralPublicKey?: Uint8Array) {
  const ephemeral = generateKxKeypair(random);
  const pk = ephemeralPublicKey ?? ephemeral.publicKey;
  const header = encodeHeader({ type: 'session', deviceId: creds.deviceId, keyId, seq });
  const body = signSessionBody(header, pk, Date.now(), creds.identitySecretKey);
  const frame = encodeFrame({ type: 'session', deviceId: creds.deviceId, keyId, seq, body });
  const keys = clientSessionKeys(ephemeral, creds.platformPublicKey);
  if (!keys.ok) throw new Error(keys.error.message);
  return { frame, tx: keys.value.tx };
}

/** A READING sealed with `tx`, its plaintext passed through `patch` first (wire-format §5.1 offsets). */
export function forgeReading(
  creds: DeviceCredentials,
  keyId: number,
  seq: bigint,
  tx: Uint8Array,
  random: RandomSource,
  patch: (plaintext: Uint8Array) => void = () => {},
): Uint8Array {
  const reading: ReadingPayload = { type: 'reading', deviceId: creds.deviceId, ts: Date.now(), temperature: 20, pressure: 100, humidity: 50 };
  const plaintext = encodePayload(reading);
  patch(plaintext);
  const header = encodeHeader({ type: 'reading', deviceId: creds.deviceId, keyId, seq });
  const body = sealData(header, plaintext, tx, random(24));
  return encodeFrame({ type: 'reading', deviceId: creds.deviceId, keyId, seq, body });
}

/** Deterministic bytes, so a failing run can be repeated exactly. */
export function seededRandom(seed: number): RandomSource {
  let x = seed >>> 0;
  return (n) => Uint8Array.from({ length: n }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) >>> 24));
}
