import type { Device } from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';

/** A cached lookup: the value, or why the database could not be asked (retry the request). */
export type Lookup<T> = Promise<{ readonly value: T } | { readonly infra: string }>;

/** What a peek answers when the value is not in memory: ask the async lookup instead. */
export const MISS: unique symbol = Symbol('not cached');
export type Miss = typeof MISS;

/**
 * The per-replica memory of verify-and-decrypt: device lookups (briefly,
 * so revocation applies), session keys (immutable once opened) and each
 * device's highest seq (the replay window's anchor). Everything here can be
 * rebuilt from PostgreSQL, so a restart loses nothing.
 *
 * Each value has two readers: a peek, synchronous, that answers from
 * memory or MISS (the steady state costs no promise), and a lookup that
 * asks the database on a miss and caches what it learns.
 */
export interface VerifyState {
  peekDevice(id: number): Device | undefined | Miss;
  device(id: number): Lookup<Device | undefined>;
  /** Only opened keys are cached, so an unknown key is always a MISS. */
  peekSessionKey(deviceId: number, keyId: number): Uint8Array | Miss;
  sessionKey(deviceId: number, keyId: number): Lookup<Uint8Array | undefined>;
  /** Seq values at or below this are REPLAY; undefined before the device's first frame. */
  peekReplayFloor(deviceId: number): bigint | Miss;
  replayFloor(deviceId: number): Lookup<bigint | undefined>;
  remember(deviceId: number, seq: bigint, keyId?: number, key?: Uint8Array): void;
}

const MAX_ENTRIES = 50_000;

/** A device's highest seq; its floor is derived once per change, not per frame (BigInt arithmetic allocates). */
interface SeqMark {
  highest: bigint;
  floor: bigint | undefined;
}

export function createVerifyState(deps: VerifyDeps): VerifyState {
  const devices = new Map<number, { readonly at: number; readonly device: Device | undefined }>();
  // Per device, then key id: no per-frame composite key to build.
  const keys = new Map<number, Map<number, Uint8Array>>();
  let keyCount = 0;
  const marks = new Map<number, SeqMark>();
  const bounded = <K, V>(m: Map<K, V>) => m.size >= MAX_ENTRIES && m.clear();

  const addKey = (deviceId: number, keyId: number, key: Uint8Array) => {
    if (keyCount >= MAX_ENTRIES) {
      keys.clear();
      keyCount = 0;
    }
    let ofDevice = keys.get(deviceId);
    if (!ofDevice) keys.set(deviceId, (ofDevice = new Map()));
    if (!ofDevice.has(keyId)) keyCount++;
    ofDevice.set(keyId, key);
  };
  const setHighest = (deviceId: number, seq: bigint) => {
    const mark = marks.get(deviceId);
    if (!mark) {
      bounded(marks);
      marks.set(deviceId, { highest: seq, floor: undefined });
    } else if (seq > mark.highest) {
      mark.highest = seq;
      mark.floor = undefined;
    }
  };

  const state: VerifyState = {
    peekDevice(id) {
      const hit = devices.get(id);
      return hit && deps.now() - hit.at < deps.deviceCacheMs ? hit.device : MISS;
    },
    async device(id) {
      const hit = state.peekDevice(id);
      if (hit !== MISS) return { value: hit };
      const r = await deps.registry.getDevice(id);
      if (!r.ok) return { infra: r.error.message };
      bounded(devices);
      devices.set(id, { at: deps.now(), device: r.value });
      return { value: r.value };
    },
    peekSessionKey(deviceId, keyId) {
      return keys.get(deviceId)?.get(keyId) ?? MISS;
    },
    async sessionKey(deviceId, keyId) {
      const hit = state.peekSessionKey(deviceId, keyId);
      if (hit !== MISS) return { value: hit };
      const r = await deps.registry.getSessionKey(deviceId, keyId);
      if (!r.ok) return { infra: r.error.message };
      if (r.value) addKey(deviceId, keyId, r.value);
      return { value: r.value };
    },
    peekReplayFloor(deviceId) {
      const mark = marks.get(deviceId);
      if (!mark) return MISS;
      return (mark.floor ??= mark.highest - deps.replayWindow);
    },
    async replayFloor(deviceId) {
      const hit = state.peekReplayFloor(deviceId);
      if (hit !== MISS) return { value: hit };
      const r = await deps.registry.highWater(deviceId);
      if (!r.ok) return { infra: r.error.message };
      if (r.value === undefined) return { value: undefined };
      setHighest(deviceId, r.value);
      return { value: r.value - deps.replayWindow };
    },
    remember(deviceId, seq, keyId, key) {
      setHighest(deviceId, seq);
      if (keyId !== undefined && key) addKey(deviceId, keyId, key);
    },
  };
  return state;
}
