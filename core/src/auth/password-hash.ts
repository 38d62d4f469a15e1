import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for MQTT clients: `scrypt$N$r$p$salt$hash` (base64url),
 * so the cost can rise later without breaking stored hashes. Checked once
 * per connection, so the cost is paid at connect time, not per message.
 */
const N = 1 << 14;
const R = 8;
const P = 1;
const KEY_LEN = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** false for a wrong password and for a malformed hash alike. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const params = [Number(n), Number(r), Number(p)] as const;
  if (!params.every((x) => Number.isInteger(x) && x > 0) || params[0] > 1 << 20 || expected.length !== KEY_LEN) return false;
  const key = await derive(password, Buffer.from(salt, 'base64url'), ...params);
  return timingSafeEqual(key, expected);
}
