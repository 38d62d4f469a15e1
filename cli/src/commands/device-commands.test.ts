import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMqttCredentialStore, createTestDatabase, parseCredentials, sodiumReady, type TestDatabase } from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';

describe('typedcluster device add / list / revoke @integration', () => {
  let t: TestDatabase;
  let home: string;
  before(async () => {
    await sodiumReady();
    t = await createTestDatabase('cli_devices');
    home = await mkdtemp(join(tmpdir(), 'tc-cli-'));
  });
  after(async () => {
    await t?.drop();
    await rm(home, { recursive: true, force: true });
  });
  const io = () => recordingIo({ TYPEDCLUSTER_HOME: home, DATABASE_URL: t.url }, home);

  it('provisions a device: registered, credentials written 0600 with the platform key', async () => {
    const out = io();
    assert.equal(await runCli(['device', 'add', '--name', 'press-7', '--id', '7'], out), 0, out.errLines.join('\n'));
    assert.equal(out.outLines[0], 'device 7 (press-7) registered');
    const file = join(home, 'devices', 'press-7.json');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const creds = parseCredentials(await readFile(file, 'utf8'));
    assert.ok(creds.ok);
    const platformSeed = (await readFile(join(home, 'secrets', 'platform-kx-secret'), 'utf8')).trim();
    assert.equal(Buffer.from(platformSeed, 'base64').length, 32);
    const row = await t.db.query<{ identity_public_key: Buffer }>('SELECT identity_public_key FROM devices WHERE id = 7');
    assert.deepEqual(new Uint8Array(row.rows[0]!.identity_public_key), creds.value.identityPublicKey);
    // Its MQTT password is in the file; only its hash is in the database, and it authenticates.
    const pw = creds.value.mqttPassword ?? '';
    assert.ok(pw.length >= 24);
    assert.deepEqual(await createMqttCredentialStore(t.db).authenticate('7', pw), { ok: true, value: 7 });
  });

  it('refuses a duplicate name with its code and exit 1', async () => {
    const out = io();
    assert.equal(await runCli(['device', 'add', '--name', 'press-7'], out), 1);
    assert.match(out.errLines[0] ?? '', /^error DEVICE_EXISTS: /);
  });

  it('refuses a bad name or id before touching the database', async () => {
    const a = io();
    assert.equal(await runCli(['device', 'add', '--name', 'bad name'], a), 2);
    const b = io();
    assert.equal(await runCli(['device', 'add', '--name', 'ok', '--id', '40000'], b), 2);
    assert.match(b.errLines[0] ?? '', /--id 40000 is not an integer in 1\.\.32767/);
  });

  it('lists devices and revokes one', async () => {
    const r = io();
    assert.equal(await runCli(['device', 'revoke', '7'], r), 0);
    assert.deepEqual(r.outLines, ['device 7 revoked']);
    const l = io();
    assert.equal(await runCli(['device', 'list'], l), 0);
    assert.match(l.outLines[1] ?? '', /^7\s+press-7\s+revoked\s+\d{4}-/);
  });
});
