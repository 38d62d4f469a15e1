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
  type FunctionEvent,
  type FrameOutcome,
  type Handler,
  type TestDatabase,
} from '@typedcluster/core';
import { createHandler } from './handler.js';

/** Deterministic bytes for keys and nonces: a test run is reproducible. */
function seeded(seed: number) {
  let x = seed;
  return (n: number) => Uint8Array.from({ length: n }, () => (x = (x * 1103515245 + 12345) >>> 0) >>> 24);
}

const frameEvent = (body: Uint8Array, contentType = 'application/octet-stream'): FunctionEvent => ({
  body: Buffer.from(body), headers: { 'content-type': contentType }, method: 'POST', path: '/', query: {},
});

describe('verify-and-decrypt @integration', () => {
  let t: TestDatabase;
  let handle: Handler;
  let creds: DeviceCredentials;
  const random = seeded(7);
  const platformKeys = () => kxKeypairFromSeed(new Uint8Array(32).fill(9));
  let clock = Date.UTC(2026, 10, 21, 8);
  const now = () => clock;

  before(async () => {
    await sodiumReady();
    t = await createTestDatabase('verify');
    const registry = createDeviceRegistry(t.db);
    const identity = generateIdentityKeypair(random);
    const added = await registry.addDevice({ id: 21, name: 'press-21', identityPublicKey: identity.publicKey });
    assert.ok(added.ok);
    creds = { version: 1, deviceId: 21, name: 'press-21', identitySecretKey: identity.secretKey, identityPublicKey: identity.publicKey, platformPublicKey: platformKeys().publicKey };
    const store = createReadingStore(t.db);
    handle = createHandler({
      registry,
      recordFrame: (f) => store.recordFrame(f),
      platformKeys: platformKeys(),
      store: (records) => store.storeRecords(records),
      log: createLogger('test', { sink: () => {} }),
      now,
      replayWindow: 100n,
      deviceCacheMs: 0,
    });
  });
  after(() => t?.drop());

  const send = async (frame: Uint8Array) => handle(frameEvent(frame), createContext());
  const codeOf = (body: unknown) => (body as { code?: string }).code;

  it('opens a session, then stores a reading and a cycle as text rows', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 1000n });
    assert.equal((await send(dev.sessionFrame())).status, 200);
    const r = await send(dev.readingFrame({ ts: clock, temperature: 21.5, pressure: 101.25, humidity: NaN }));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { ok: true, device: 21, seq: '1001', type: 'reading' });
    const phases = Array.from({ length: 5 }, (_, p) => [p, p + 1, p + 2, p + 3, p + 4]);
    assert.equal((await send(dev.cycleFrame({ cycleStart: clock, cycle: 5, phases }))).status, 200);

    const readings = await t.db.query<{ temperature: number; humidity: number | null }>('SELECT temperature, humidity FROM readings WHERE device_id = 21 AND seq = 1001');
    assert.deepEqual(readings.rows, [{ temperature: 21.5, humidity: null }]);
    const cyc = await t.db.query<{ phase: number; s5: number }>('SELECT phase, s5 FROM cycle_phases WHERE device_id = 21 ORDER BY phase');
    assert.deepEqual(cyc.rows.map((x) => [x.phase, x.s5]), [[1, 4], [2, 5], [3, 6], [4, 7], [5, 8]]);
  });

  it('answers REPLAY to a frame delivered twice and stores it once', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 2000n });
    await send(dev.sessionFrame());
    const frame = dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 });
    assert.equal((await send(frame)).status, 200);
    const again = await send(frame);
    assert.equal(again.status, 409);
    assert.equal(codeOf(again.body), 'REPLAY');
    assert.equal(again.headers['x-rejected'], 'REPLAY=1');
    const n = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM readings WHERE device_id = 21 AND seq = $1', [2001]);
    assert.equal(n.rows[0]?.n, '1');
  });

  it('rejects an authentic frame older than the replay window as REPLAY (wire-format §7.2.1)', async () => {
    const early = createDeviceSender({ credentials: creds, random, now, initialSeq: 2500n });
    assert.equal((await send(early.sessionFrame())).status, 200);
    const late = createDeviceSender({ credentials: creds, random, now, initialSeq: 3000n });
    await send(late.sessionFrame());
    assert.equal((await send(late.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }))).status, 200);
    // early's session is still open, so this frame authenticates; its seq 2501 ≤ 3001 − 100.
    const r = await send(early.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }));
    assert.equal(r.status, 409);
    assert.equal(codeOf(r.body), 'REPLAY');
  });

  it('authenticates before the window: a forged old frame is DECRYPT_FAILED, not REPLAY', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 3500n });
    await send(dev.sessionFrame());
    const forger = createDeviceSender({ credentials: creds, random, now, initialSeq: 10n, keyId: dev.keyId });
    assert.equal(codeOf((await send(forger.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }))).body), 'DECRYPT_FAILED');
  });

  it('rejects data without a session as UNKNOWN_KEY', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 4000n });
    const r = await send(dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }));
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.body), 'UNKNOWN_KEY');
  });

  it('rejects tampered body and tampered header as DECRYPT_FAILED', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 5000n });
    await send(dev.sessionFrame());
    const body = dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 });
    body[body.length - 1]! ^= 1;
    assert.equal(codeOf((await send(body)).body), 'DECRYPT_FAILED');
    const header = dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 });
    header[17]! ^= 1; // seq's last byte: authenticated as AD (wire-format §4)
    assert.equal(codeOf((await send(header)).body), 'DECRYPT_FAILED');
  });

  it('rejects a session signed by another identity as BAD_SIGNATURE', async () => {
    const impostor = generateIdentityKeypair(random);
    const dev = createDeviceSender({ credentials: { ...creds, identitySecretKey: impostor.secretKey, identityPublicKey: impostor.publicKey }, random, now, initialSeq: 6000n });
    const r = await send(dev.sessionFrame());
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.body), 'BAD_SIGNATURE');
  });

  it('rejects frames sealed for another platform key as DECRYPT_FAILED', async () => {
    const otherPlatform = kxKeypairFromSeed(new Uint8Array(32).fill(1)).publicKey;
    const dev = createDeviceSender({ credentials: { ...creds, platformPublicKey: otherPlatform }, random, now, initialSeq: 7000n });
    assert.equal((await send(dev.sessionFrame())).status, 200); // the signature is valid; the derived keys differ
    assert.equal(codeOf((await send(dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }))).body), 'DECRYPT_FAILED');
  });

  it('rejects an unregistered device as UNKNOWN_DEVICE', async () => {
    const dev = createDeviceSender({ credentials: { ...creds, deviceId: 999 }, random, now, initialSeq: 1n });
    const r = await send(dev.sessionFrame());
    assert.equal(r.status, 403);
    assert.equal(codeOf(r.body), 'UNKNOWN_DEVICE');
  });

  it('answers a batch per frame, in order, storing the good frames between bad ones', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 8000n });
    const bad = new Uint8Array([0x54, 0x43, 0x01]); // magic and version, then nothing
    const frames = [dev.sessionFrame(), bad, dev.readingFrame({ ts: clock, temperature: 5, pressure: 6, humidity: 7 }), dev.readingFrame({ ts: clock, temperature: 8, pressure: 9, humidity: 10 })];
    const r = await handle(frameEvent(joinFrames(frames), FRAMES_CONTENT_TYPE), createContext());
    assert.equal(r.status, 200);
    const reply = r.body as BatchReply;
    assert.deepEqual(reply.results.map((x: FrameOutcome) => (x.ok ? x.type : x.code)), ['session', 'TRUNCATED', 'reading', 'reading']);
    assert.equal(reply.accepted, 3);
    assert.equal(r.headers['x-rejected'], 'TRUNCATED=1');
  });

  it('rejects a revoked device as UNKNOWN_DEVICE', async () => {
    const dev = createDeviceSender({ credentials: creds, random, now, initialSeq: 9000n });
    await send(dev.sessionFrame());
    await createDeviceRegistry(t.db).revokeDevice(21);
    clock += 1;
    assert.equal(codeOf((await send(dev.readingFrame({ ts: clock, temperature: 1, pressure: 2, humidity: 3 }))).body), 'UNKNOWN_DEVICE');
  });
});
