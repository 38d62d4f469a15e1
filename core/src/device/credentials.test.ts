import assert from 'node:assert/strict';
import { identityKeypairFromSeed, kxKeypairFromSeed } from '../crypto/keys.js';
import { sodiumReady } from '../crypto/sodium.js';
import { toHex } from '../wire/bytes.js';
import { parseCredentials, serializeCredentials } from './credentials.js';
import type { DeviceCredentials } from './credentials.js';

describe('device credentials file (wire-format §3.4)', () => {
  let creds: DeviceCredentials;
  before(async () => {
    await sodiumReady();
    const id = identityKeypairFromSeed(new Uint8Array(32).fill(1));
    creds = {
      version: 1,
      deviceId: 12,
      name: 'press-line-3',
      identitySecretKey: id.secretKey,
      identityPublicKey: id.publicKey,
      platformPublicKey: kxKeypairFromSeed(new Uint8Array(32).fill(2)).publicKey,
    };
  });
  const json = () => JSON.parse(serializeCredentials(creds)) as Record<string, unknown>;
  const failureOf = (o: unknown) => {
    const r = parseCredentials(typeof o === 'string' ? o : JSON.stringify(o));
    return r.ok ? 'accepted' : `${r.error.code}@${String(r.error.at)}`;
  };

  it('round-trips through its JSON text', () => {
    const text = serializeCredentials(creds);
    assert.deepEqual(Object.keys(JSON.parse(text)), ['version', 'deviceId', 'name', 'identitySecretKey', 'identityPublicKey', 'platformPublicKey']);
    const r = parseCredentials(text);
    assert.ok(r.ok);
    assert.deepEqual(
      { ...r.value, identitySecretKey: toHex(r.value.identitySecretKey), identityPublicKey: toHex(r.value.identityPublicKey), platformPublicKey: toHex(r.value.platformPublicKey) },
      { ...creds, identitySecretKey: toHex(creds.identitySecretKey), identityPublicKey: toHex(creds.identityPublicKey), platformPublicKey: toHex(creds.platformPublicKey) },
    );
  });

  const bad: Array<[string, (o: Record<string, unknown>) => unknown, string]> = [
    ['not JSON', () => '{nope', 'CONFIG_INVALID@undefined'],
    ['an array', () => [], 'CONFIG_INVALID@undefined'],
    ['version 2', (o) => ({ ...o, version: 2 }), 'CONFIG_INVALID@version'],
    ['device id 0', (o) => ({ ...o, deviceId: 0 }), 'CONFIG_INVALID@deviceId'],
    ['device id as a string', (o) => ({ ...o, deviceId: '12' }), 'CONFIG_INVALID@deviceId'],
    ['device id 32768', (o) => ({ ...o, deviceId: 32768 }), 'CONFIG_INVALID@deviceId'],
    ['empty name', (o) => ({ ...o, name: '' }), 'CONFIG_INVALID@name'],
    ['non-base64 secret key', (o) => ({ ...o, identitySecretKey: '!!' + String(o.identitySecretKey).slice(2) }), 'CONFIG_INVALID@identitySecretKey'],
    ['short public key', (o) => ({ ...o, identityPublicKey: Buffer.alloc(31).toString('base64') }), 'CONFIG_INVALID@identityPublicKey'],
    ['missing platform key', (o) => ({ ...o, platformPublicKey: undefined }), 'CONFIG_INVALID@platformPublicKey'],
    ['public key of another device', (o) => ({ ...o, identityPublicKey: Buffer.alloc(32, 9).toString('base64') }), 'CONFIG_INVALID@identityPublicKey'],
  ];
  for (const [name, change, expected] of bad) {
    it(`rejects ${name}`, () => assert.equal(failureOf(change(json())), expected));
  }

  it('round-trips an optional MQTT password and refuses a short one', () => {
    const withPw = parseCredentials(JSON.stringify({ ...json(), mqttPassword: 'x'.repeat(24) }));
    assert.ok(withPw.ok);
    assert.equal(withPw.value.mqttPassword, 'x'.repeat(24));
    const again = parseCredentials(serializeCredentials(withPw.value));
    assert.equal(again.ok ? again.value.mqttPassword : undefined, 'x'.repeat(24));
    const short = parseCredentials(JSON.stringify({ ...json(), mqttPassword: 'short' }));
    assert.equal(short.ok ? 'ok' : short.error.at, 'mqttPassword');
    assert.equal('mqttPassword' in JSON.parse(serializeCredentials(creds)), false, 'absent stays absent');
  });
});
