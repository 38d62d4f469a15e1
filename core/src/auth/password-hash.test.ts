import assert from 'node:assert/strict';
import { hashPassword, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('correct horse battery staple');
    assert.match(h, /^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    assert.equal(await verifyPassword('correct horse battery staple', h), true);
    assert.equal(await verifyPassword('correct horse battery stapl', h), false);
  });

  it('salts: the same password hashes differently', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  it('refuses malformed or absurd stored hashes instead of throwing', async () => {
    for (const bad of ['', 'md5$x', 'scrypt$16384$8$1$c2FsdA$', 'scrypt$99999999$8$1$c2FsdA$' + 'A'.repeat(43), 'scrypt$x$8$1$c2FsdA$' + 'A'.repeat(43)]) {
      assert.equal(await verifyPassword('pw', bad), false, bad);
    }
  });
});
