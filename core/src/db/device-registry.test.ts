import assert from 'node:assert/strict';
import { createDatabase } from './database.js';
import { createDeviceRegistry, type DeviceRegistry } from './device-registry.js';
import { freePort } from './free-port.js';
import { createReadingStore } from './reading-store.js';
import { readingRecord } from './test-records.js';
import { createTestDatabase, type TestDatabase } from './test-support.js';

const key = (b: number) => new Uint8Array(32).fill(b);

describe('device registry @integration', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let reg: DeviceRegistry;

  beforeEach(async () => {
    t = await createTestDatabase('registry');
    reg = createDeviceRegistry(t.db);
  });
  afterEach(() => t.drop());

  it('adds, gets and lists devices', async () => {
    const added = await reg.addDevice({ id: 3, name: 'press-3', identityPublicKey: key(3) });
    assert.ok(added.ok);
    assert.equal(added.value.id, 3);
    assert.ok(added.value.createdAt instanceof Date);
    assert.equal(added.value.revokedAt, undefined);
    assert.ok((await reg.addDevice({ id: 1, name: 'press-1', identityPublicKey: key(1) })).ok);

    const got = await reg.getDevice(3);
    assert.ok(got.ok && got.value);
    assert.deepEqual([got.value.name, Array.from(got.value.identityPublicKey)], ['press-3', Array.from(key(3))]);
    const list = await reg.listDevices();
    assert.deepEqual(list.ok && list.value.map((d) => d.id), [1, 3]);
    assert.deepEqual(await reg.getDevice(2), { ok: true, value: undefined });
    assert.deepEqual(await reg.getDevice(40000), { ok: true, value: undefined });
  });

  it('refuses duplicate ids and names with DEVICE_EXISTS, and bad input before the database', async () => {
    assert.ok((await reg.addDevice({ id: 5, name: 'five', identityPublicKey: key(5) })).ok);
    const sameId = await reg.addDevice({ id: 5, name: 'other', identityPublicKey: key(5) });
    assert.deepEqual(!sameId.ok && [sameId.error.code, sameId.error.at], ['DEVICE_EXISTS', 'id']);
    const sameName = await reg.addDevice({ id: 6, name: 'five', identityPublicKey: key(6) });
    assert.deepEqual(!sameName.ok && [sameName.error.code, sameName.error.at], ['DEVICE_EXISTS', 'name']);
    const badId = await reg.addDevice({ id: 0, name: 'zero', identityPublicKey: key(0) });
    assert.equal(!badId.ok && badId.error.code, 'BAD_DEVICE_ID');
    const badKey = await reg.addDevice({ id: 7, name: 'seven', identityPublicKey: new Uint8Array(31) });
    assert.deepEqual(!badKey.ok && [badKey.error.code, badKey.error.at], ['BAD_REQUEST', 'identityPublicKey']);
    const list = await reg.listDevices();
    assert.deepEqual(list.ok && list.value.map((d) => d.name), ['five']);
  });

  it('revokes: the device disappears from getDevice but stays listed', async () => {
    await reg.addDevice({ id: 2, name: 'two', identityPublicKey: key(2) });
    assert.deepEqual(await reg.revokeDevice(2), { ok: true, value: 'revoked' });
    assert.deepEqual(await reg.getDevice(2), { ok: true, value: undefined });
    const list = await reg.listDevices();
    assert.ok(list.ok && list.value[0]?.revokedAt instanceof Date);
    assert.deepEqual(await reg.revokeDevice(2), { ok: true, value: 'already-revoked' });
    const missing = await reg.revokeDevice(9);
    assert.equal(!missing.ok && missing.error.code, 'DEVICE_NOT_FOUND');
  });

  it('finds the lowest never-used id; revoked ids stay used', async () => {
    assert.deepEqual(await reg.nextFreeDeviceId(), { ok: true, value: 1 });
    for (const id of [1, 2, 4]) await reg.addDevice({ id, name: `d${id}`, identityPublicKey: key(id) });
    assert.deepEqual(await reg.nextFreeDeviceId(), { ok: true, value: 3 });
    await reg.addDevice({ id: 3, name: 'd3', identityPublicKey: key(3) });
    await reg.revokeDevice(3);
    assert.deepEqual(await reg.nextFreeDeviceId(), { ok: true, value: 5 });
  });

  it('opens sessions idempotently and hands out their keys', async () => {
    await reg.addDevice({ id: 1, name: 'one', identityPublicKey: key(1) });
    assert.deepEqual(await reg.openSession({ deviceId: 1, keyId: 0xffff_ffff, sessionKey: key(9), seq: 12n }), { ok: true, value: 'opened' });
    // A repeated session frame changes nothing: the first key stays.
    assert.deepEqual(await reg.openSession({ deviceId: 1, keyId: 0xffff_ffff, sessionKey: key(8), seq: '13' }), { ok: true, value: 'exists' });
    const k = await reg.getSessionKey(1, 0xffff_ffff);
    assert.deepEqual(k.ok && k.value && Array.from(k.value), Array.from(key(9)));
    assert.deepEqual(await reg.getSessionKey(1, 5), { ok: true, value: undefined });
    const row = (await t.db.query('SELECT opened_seq::text AS s FROM device_sessions')).rows;
    assert.deepEqual(row, [{ s: '12' }]);
  });

  it('refuses sessions for unknown or revoked devices and hides their keys', async () => {
    const unknown = await reg.openSession({ deviceId: 8, keyId: 1, sessionKey: key(1), seq: 1n });
    assert.equal(!unknown.ok && unknown.error.code, 'UNKNOWN_DEVICE');
    await reg.addDevice({ id: 8, name: 'eight', identityPublicKey: key(8) });
    assert.ok((await reg.openSession({ deviceId: 8, keyId: 1, sessionKey: key(1), seq: 1n })).ok);
    await reg.revokeDevice(8);
    assert.deepEqual(await reg.getSessionKey(8, 1), { ok: true, value: undefined });
    const revoked = await reg.openSession({ deviceId: 8, keyId: 2, sessionKey: key(2), seq: 2n });
    assert.equal(!revoked.ok && revoked.error.code, 'UNKNOWN_DEVICE');
    const badSeq = await reg.openSession({ deviceId: 8, keyId: 2, sessionKey: key(2), seq: 1n << 63n });
    assert.equal(!badSeq.ok && badSeq.error.code, 'BAD_SEQ');
  });

  it('reports the high-water mark from the frames ledger', async () => {
    await reg.addDevice({ id: 1, name: 'one', identityPublicKey: key(1) });
    assert.deepEqual(await reg.highWater(1), { ok: true, value: undefined });
    const max = ((1n << 63n) - 1n).toString();
    await createReadingStore(t.db).storeRecords([readingRecord(1, 5), readingRecord(1, max), readingRecord(1, 7)]);
    assert.deepEqual(await reg.highWater(1), { ok: true, value: (1n << 63n) - 1n });
    assert.deepEqual(await reg.highWater(2), { ok: true, value: undefined });
  });

  it('returns database failures as values', async () => {
    const down = createDeviceRegistry(createDatabase(`postgres://x:y@127.0.0.1:${await freePort()}/none`, { connectionTimeoutMs: 2000 }));
    const r = await down.getDevice(1);
    assert.equal(!r.ok && r.error.code, 'DATABASE_UNREACHABLE');
    const added = await down.addDevice({ id: 1, name: 'x', identityPublicKey: key(1) });
    assert.equal(!added.ok && added.error.code, 'DATABASE_UNREACHABLE');
  });
});
