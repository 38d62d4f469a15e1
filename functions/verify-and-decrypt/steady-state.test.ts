import assert from 'node:assert/strict';
import {
  createContext,
  createDeviceRegistry,
  createDeviceSender,
  createLogger,
  createReadingStore,
  createTestDatabase,
  generateIdentityKeypair,
  joinFrames,
  kxKeypairFromSeed,
  sodiumReady,
  FRAMES_CONTENT_TYPE,
  type BatchReply,
  type DeviceCredentials,
  type DeviceRegistry,
  type FrameOutcome,
  type Handler,
  type KeyPair,
  type TestDatabase,
} from '@typedcluster/core';
import { createHandler } from './handler.js';

/**
 * The steady state: frames whose device, key and replay floor are cached are
 * verified without the database; a miss (first frame of a device, expired
 * device entry, unknown key) reads it, mid-batch, and the frames after it
 * are answered from memory again. Counted on the real registry.
 */
describe('verify-and-decrypt steady state @integration', () => {
  let t: TestDatabase;
  let platformKeys: KeyPair;
  let x = 11;
  const random = (n: number) => Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
  let clock = Date.UTC(2026, 10, 21, 9);
  const now = () => clock;
  const creds: Record<number, DeviceCredentials> = {};

  before(async () => {
    await sodiumReady();
    platformKeys = kxKeypairFromSeed(new Uint8Array(32).fill(4));
    t = await createTestDatabase('verify_steady');
    const registry = createDeviceRegistry(t.db);
    for (const id of [31, 32, 33]) {
      const identity = generateIdentityKeypair(random);
      assert.ok((await registry.addDevice({ id, name: `press-${id}`, identityPublicKey: identity.publicKey })).ok);
      creds[id] = { version: 1, deviceId: id, name: `press-${id}`, identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, platformPublicKey: platformKeys.publicKey };
    }
  });
  after(() => t?.drop());

  /** A handler on this test's database whose registry counts the lookups that reach PostgreSQL. */
  function counted(db: TestDatabase, deviceCacheMs: number) {
    const real: DeviceRegistry = createDeviceRegistry(db.db);
    const calls = { getDevice: 0, getSessionKey: 0, highWater: 0 };
    const store = createReadingStore(db.db);
    const handle: Handler = createHandler({
      registry: {
        getDevice: (id) => (calls.getDevice++, real.getDevice(id)),
        getSessionKey: (d, k) => (calls.getSessionKey++, real.getSessionKey(d, k)),
        highWater: (d) => (calls.highWater++, real.highWater(d)),
        openSession: (s) => real.openSession(s),
      },
      recordFrame: (f) => store.recordFrame(f),
      platformKeys,
      store: (records) => store.storeRecords(records),
      log: createLogger('test', { sink: () => {} }),
      now,
      replayWindow: 100n,
      deviceCacheMs,
    });
    return { handle, calls };
  }
  const sender = (id: number, initialSeq: bigint) => createDeviceSender({ credentials: creds[id]!, random, now, initialSeq });
  const reading = (n: number) => ({ ts: clock, temperature: n, pressure: 100, humidity: 50 });
  const batch = async (handle: Handler, frames: Uint8Array[]) => {
    const r = await handle({ body: Buffer.from(joinFrames(frames)), headers: { 'content-type': FRAMES_CONTENT_TYPE }, method: 'POST', path: '/', query: {} }, createContext());
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body as BatchReply).results;
  };
  const kinds = (results: readonly FrameOutcome[]) => results.map((x) => (x.ok ? x.type : x.code));
  const stored = async (device: number) => Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM readings WHERE device_id = $1', [device])).rows[0]?.n);

  it('reads a device first seen mid-batch once, then answers its later frames from memory', async () => {
    const a = sender(31, 1000n);
    const b = sender(32, 1000n);
    const warmup = counted(t, 60_000);
    // Sessions opened by another replica: this handler learns them from the database.
    assert.deepEqual(kinds(await batch(warmup.handle, [a.sessionFrame(), b.sessionFrame()])), ['session', 'session']);

    const { handle, calls } = counted(t, 60_000);
    assert.deepEqual(kinds(await batch(handle, [a.readingFrame(reading(1)), a.readingFrame(reading(2))])), ['reading', 'reading']);
    assert.deepEqual(calls, { getDevice: 1, getSessionKey: 1, highWater: 1 });

    const frames = [a.readingFrame(reading(3)), b.readingFrame(reading(1)), b.readingFrame(reading(2)), a.readingFrame(reading(4)), b.readingFrame(reading(3))];
    assert.deepEqual(kinds(await batch(handle, frames)), ['reading', 'reading', 'reading', 'reading', 'reading']);
    // Device 32's first frame missed (one read of each); every other frame was a hit.
    assert.deepEqual(calls, { getDevice: 2, getSessionKey: 2, highWater: 2 });
    assert.equal(await stored(31), 4);
    assert.equal(await stored(32), 3);
  });

  it('opens a session mid-batch for the data frames after it, without asking the database for its key', async () => {
    const { handle, calls } = counted(t, 60_000);
    const dev = sender(33, 5000n);
    const first = dev.sessionFrame();
    const early = dev.readingFrame(reading(1));
    const frames = [first, early, dev.readingFrame(reading(2)), dev.rotate(), dev.readingFrame(reading(3)), dev.readingFrame(reading(4))];
    const results = await batch(handle, frames);
    assert.deepEqual(kinds(results), ['session', 'reading', 'reading', 'session', 'reading', 'reading']);
    assert.deepEqual(results.map((r) => (r.ok ? r.seq : '')), ['5000', '5001', '5002', '5003', '5004', '5005']);
    assert.equal(calls.getSessionKey, 0);
    assert.equal(await stored(33), 4);
    // Resent, a frame of the first session still authenticates after the rotation: REPLAY, not UNKNOWN_KEY.
    assert.deepEqual(kinds(await batch(handle, [early])), ['REPLAY']);
  });

  it('re-reads an expired device entry, so a revoked device is refused once its entry expires', async () => {
    const { handle, calls } = counted(t, 1_000);
    const dev = sender(31, 9000n);
    assert.deepEqual(kinds(await batch(handle, [dev.sessionFrame(), dev.readingFrame(reading(1))])), ['session', 'reading']);
    const reads = calls.getDevice;
    assert.ok((await createDeviceRegistry(t.db).revokeDevice(31)).ok);

    clock += 999; // still cached: revocation applies within deviceCacheMs
    assert.deepEqual(kinds(await batch(handle, [dev.readingFrame(reading(2))])), ['reading']);
    assert.equal(calls.getDevice, reads);

    clock += 1; // expired: read again, and refused
    const refused = await batch(handle, [dev.readingFrame(reading(3)), dev.readingFrame(reading(4))]);
    assert.deepEqual(kinds(refused), ['UNKNOWN_DEVICE', 'UNKNOWN_DEVICE']);
    assert.equal(calls.getDevice, reads + 1, 'the refusal is cached too');
  });

  it('gives the same answers from memory as from the database, rejections included', async () => {
    // Each handler on a database of its own, so that neither sees the other's rows.
    const dbs = [await createTestDatabase('verify_steady_db'), await createTestDatabase('verify_steady_mem')];
    try {
      for (const d of dbs) assert.ok((await createDeviceRegistry(d.db).addDevice({ id: 32, name: 'press-32', identityPublicKey: creds[32]!.identityPublicKey })).ok);
      const fromDb = counted(dbs[0]!, 0); // every lookup goes to PostgreSQL
      const fromMemory = counted(dbs[1]!, 60_000);
      const warm = sender(32, 10_000n);
      const warmFrames = [warm.sessionFrame(), warm.readingFrame(reading(0))];
      for (const h of [fromDb, fromMemory]) await batch(h.handle, warmFrames);
      const before = { ...fromMemory.calls };

      const dev = sender(32, 20_000n);
      const open = dev.sessionFrame();
      const good = dev.readingFrame(reading(1));
      const tampered = dev.readingFrame(reading(2));
      tampered[tampered.length - 1]! ^= 1;
      const forged = createDeviceSender({ credentials: creds[32]!, random, now, initialSeq: 30_000n, keyId: dev.keyId }).readingFrame(reading(3));
      const noSession = createDeviceSender({ credentials: creds[32]!, random, now, initialSeq: 40_000n }).readingFrame(reading(4));
      const stale = warm.readingFrame(reading(5)); // authentic, but below the window once the session at 20_000 is open
      const later = Array.from({ length: 100 }, (_, i) => dev.readingFrame(reading(i)));
      const stranger = createDeviceSender({ credentials: { ...creds[32]!, deviceId: 77 }, random, now, initialSeq: 1n }).sessionFrame();
      const frames = [open, good, tampered, forged, noSession, stale, ...later, good, stranger, new Uint8Array([0x54, 0x43])];

      const expected = await batch(fromDb.handle, frames);
      assert.deepEqual(kinds(expected).slice(0, 6), ['session', 'reading', 'DECRYPT_FAILED', 'DECRYPT_FAILED', 'UNKNOWN_KEY', 'REPLAY']);
      assert.deepEqual(kinds(expected).slice(-3), ['REPLAY', 'UNKNOWN_DEVICE', 'TRUNCATED']);
      assert.deepEqual(await batch(fromMemory.handle, frames), expected);
      // Only the misses reached PostgreSQL: the key never opened, the device never registered.
      assert.deepEqual(fromMemory.calls, { getDevice: before.getDevice + 1, getSessionKey: before.getSessionKey + 1, highWater: before.highWater });
    } finally {
      for (const d of dbs) await d.drop();
    }
  });
});
