import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signJwtHs256, verifyJwtHs256 } from './jwt-hs256.js';

const SECRET = 's'.repeat(32);
const NOW = Date.UTC(2025, 0, 1);
const nowS = NOW / 1000;

describe('JWT HS256', () => {
  it('round-trips claims and checks the signature', () => {
    const t = signJwtHs256({ role: 'operator', sub: 'alice', exp: nowS + 60 }, SECRET);
    assert.deepEqual(verifyJwtHs256(t, SECRET, NOW), { ok: true, value: { role: 'operator', sub: 'alice', exp: nowS + 60 } });
    const v = verifyJwtHs256(t, 'x'.repeat(32), NOW);
    assert.equal(!v.ok && v.error.code, 'JWT_INVALID');
  });

  it('matches an independently computed RFC 7515 HS256 signature', () => {
    const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"role":"web_anon"}').toString('base64url')}`;
    const sig = createHmac('sha256', SECRET).update(input).digest('base64url');
    assert.equal(signJwtHs256({ role: 'web_anon' }, SECRET), `${input}.${sig}`);
  });

  it('refuses expired tokens beyond 30 s of skew, and tokens from the future', () => {
    const code = (claims: Record<string, unknown>) => {
      const v = verifyJwtHs256(signJwtHs256(claims, SECRET), SECRET, NOW);
      return v.ok ? 'ok' : v.error.code;
    };
    assert.equal(code({ exp: nowS - 31 }), 'JWT_EXPIRED');
    assert.equal(code({ exp: nowS - 10 }), 'ok');
    assert.equal(code({ nbf: nowS + 120 }), 'JWT_EXPIRED');
    assert.equal(code({ iat: nowS + 120 }), 'JWT_EXPIRED');
    assert.equal(code({ exp: 'tomorrow' }), 'JWT_INVALID');
    assert.equal(code({ role: 7 }), 'JWT_INVALID');
  });

  it('refuses malformed tokens and other algorithms', () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"role":"operator"}').toString('base64url')}.`;
    for (const t of ['', 'a.b', 'a.b.c.d', none, 'e30.W10.sig']) {
      const v = verifyJwtHs256(t, SECRET, NOW);
      assert.equal(!v.ok && v.error.code, 'JWT_INVALID', t);
    }
  });
});
