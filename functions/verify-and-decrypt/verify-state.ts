import type { Device } from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';

/** A cached lookup: the value, or why the database could not be asked (retry the request). */
export type Lookup<T> = Promise<{ readonly value: T } | { readonly infra: string }>;

/**
 * The per-replica memory of verify-and-decrypt: device lookups (briefly,
 * so revocation applies), session keys (immutable once opened) and each
 * device's highest seq (the replay window's anchor). Everything here can be
 * rebuilt from PostgreSQL, so a restart loses nothing.
 */
export interface VerifyState {
  device(id: number): Lookup<Device | undefined>;
  sessionKey(deviceId: number, keyId: number): Lookup<Uint8Array | undefined>;
  /** Seq values at or below this are REPLAY; undefined before the device's first frame. */
  replayFloor(deviceId: number): Lookup<bigint | undefined>;
  remember(deviceId: number, seq: bigint, keyId?: number, key?: Uint8Array): void;
}

const MAX_ENTRIES = 50_000;

export function createVerifyState(deps: VerifyDeps): VerifyState {
  const devices = new Map<number, { at: number; device: Device | undefined }>();
  const keys = new Map<string, Uint8Array>();
  const highest = new Map<number, bigint>();
  const bounded = <K, V>(m: Map<K, V>) => m.size >= MAX_ENTRIES && m.clear();

  return {
    async device(id) {
      const hit = devices.get(id);
      if (hit && deps.now() - hit.at < deps.deviceCacheMs) return { value: hit.device };
      const r = await deps.registry.getDevice(id);
      if (!r.ok) return { infra: r.error.message };
      bounded(devices);
      devices.set(id, { at: deps.now(), device: r.value });
      return { value: r.value };
    },
    async sessionKey(deviceId, keyId) {
      const k = `${deviceId}:${keyId}`;
      const hit = keys.get(k);
      if (hit) return { value: hit };
      const r = await deps.registry.getSessionKey(deviceId, keyId);
      if (!r.ok) return { infra: r.error.message };
      if (r.value) {
        bounded(keys);
        keys.set(k, r.value);
      }
      return { value: r.value };
    },
    async replayFloor(deviceId) {
      let hw = highest.get(deviceId);
      if (hw === undefined) {
        const r = await deps.registry.highWater(deviceId);
        if (!r.ok) return { infra: r.error.message };
        if (r.value === undefined) return { value: undefined };
        hw = r.value;
        bounded(highest);
        highest.set(deviceId, hw);
      }
      return { value: hw - deps.replayWindow };
    },
    remember(deviceId, seq, keyId, key) {
      const hw = highest.get(deviceId);
      if (hw === undefined || seq > hw) highest.set(deviceId, seq);
      if (keyId !== undefined && key) keys.set(`${deviceId}:${keyId}`, key);
    },
  };
}
