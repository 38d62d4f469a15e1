import assert from 'node:assert/strict';
import { createLogger, ok, type Device } from '@typedcluster/core';
import type { VerifyDeps } from './verify-deps.js';
import { createVerifyState, MISS } from './verify-state.js';

describe('verify-and-decrypt state', () => {
  let clock = 1_000_000;
  const device: Device = { id: 5, name: 'press-5', identityPublicKey: new Uint8Array(32), createdAt: new Date(0), revokedAt: undefined };
  const reads = { getDevice: 0, getSessionKey: 0, highWater: 0 };
  const key = (n: number) => new Uint8Array(32).fill(n);
  // The registry is injected I/O; here it answers from constants and counts what is asked.
  const deps = {
    registry: {
      getDevice: async (id: number) => (reads.getDevice++, ok(id === 5 ? device : undefined)),
      getSessionKey: async (d: number, k: number) => (reads.getSessionKey++, ok(d === 5 && k === 0xffff_fff0 ? key(1) : undefined)),
      highWater: async (d: number) => (reads.highWater++, ok(d === 5 ? 500n : undefined)),
      openSession: async () => ok('opened' as const),
    },
    recordFrame: async () => ok('stored' as const),
    platformKeys: { publicKey: new Uint8Array(32), privateKey: new Uint8Array(32) },
    store: async () => ok([]),
    log: createLogger('test', { sink: () => {} }),
    now: () => clock,
    replayWindow: 100n,
    deviceCacheMs: 1_000,
  } as unknown as VerifyDeps;

  it('peeks a device only once it was read, and until its entry expires', async () => {
    const state = createVerifyState(deps);
    assert.equal(state.peekDevice(5), MISS);
    assert.deepEqual(await state.device(5), { value: device });
    assert.equal(state.peekDevice(5), device);
    assert.deepEqual(await state.device(9), { value: undefined });
    assert.equal(state.peekDevice(9), undefined, 'a refusal is cached like a device');
    assert.equal(reads.getDevice, 2);
    clock += 999;
    assert.equal(state.peekDevice(5), device);
    clock += 1;
    assert.equal(state.peekDevice(5), MISS);
  });

  it('keeps session keys per device and key id, large key ids included; unknown keys stay misses', async () => {
    const state = createVerifyState(deps);
    assert.equal(state.peekSessionKey(5, 0xffff_fff0), MISS);
    assert.deepEqual(await state.sessionKey(5, 0xffff_fff0), { value: key(1) });
    assert.deepEqual(state.peekSessionKey(5, 0xffff_fff0), key(1));
    assert.equal(state.peekSessionKey(6, 0xffff_fff0), MISS, 'same key id, another device');
    assert.deepEqual(await state.sessionKey(5, 7), { value: undefined });
    assert.equal(state.peekSessionKey(5, 7), MISS);
    state.remember(6, 1n, 0xffff_fff0, key(2));
    assert.deepEqual(state.peekSessionKey(6, 0xffff_fff0), key(2));
    assert.deepEqual(state.peekSessionKey(5, 0xffff_fff0), key(1));
  });

  it('derives the replay floor from the highest seq, and moves it only upwards', async () => {
    const state = createVerifyState(deps);
    assert.equal(state.peekReplayFloor(5), MISS);
    assert.deepEqual(await state.replayFloor(5), { value: 400n });
    assert.equal(state.peekReplayFloor(5), 400n);
    state.remember(5, 450n);
    assert.equal(state.peekReplayFloor(5), 400n);
    state.remember(5, 900n);
    assert.equal(state.peekReplayFloor(5), 800n);
    assert.deepEqual(await state.replayFloor(8), { value: undefined }, 'no frames yet: no floor');
    assert.equal(state.peekReplayFloor(8), MISS, 'and asked again until the first frame is remembered');
    state.remember(8, 2n ** 63n - 1n);
    assert.equal(state.peekReplayFloor(8), 2n ** 63n - 101n);
  });
});
