import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail, ok, type Result } from '../result/result.js';

/**
 * HS256 JSON Web Tokens (RFC 7519) as PostgREST reads them: the REST API's
 * role switch (`role` claim), who acted (`sub`) and expiry (`exp`, seconds).
 * Only HS256: the platform shares one secret (`jwt-secret`, PGRST_JWT_SECRET).
 */
export interface JwtClaims {
  readonly role?: string;
  readonly sub?: string;
  readonly exp?: number;
  readonly [claim: string]: unknown;
}

/** PostgREST's minimum secret length. */
export const JWT_SECRET_MIN_LENGTH = 32;

/** Clock skew tolerated on exp/nbf/iat, as PostgREST (30 s). */
const SKEW_S = 30;

const b64 = (data: string | Buffer): string => Buffer.from(data).toString('base64url');
const sign = (input: string, secret: string): Buffer => createHmac('sha256', secret).update(input).digest();

export function signJwtHs256(claims: JwtClaims, secret: string): string {
  const input = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${sign(input, secret).toString('base64url')}`;
}

/** JWT_INVALID: format, algorithm or signature; JWT_EXPIRED: exp passed (or nbf/iat in the future). */
export function verifyJwtHs256(token: string, secret: string, nowMs: number): Result<JwtClaims> {
  const parts = token.split('.');
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || !header || !payload || signature === undefined) return fail('JWT_INVALID', 'Expected 3 parts in JWT; got ' + parts.length);
  const h = parseJson(header);
  if (!h || h['alg'] !== 'HS256') return fail('JWT_INVALID', 'JWT header is not JSON with alg HS256');
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('JWT_INVALID', 'JWT signature does not verify');
  const claims = parseJson(payload);
  if (!claims) return fail('JWT_INVALID', 'JWT payload is not a JSON object');
  const now = nowMs / 1000;
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const v = claims[name];
    if (v !== undefined && typeof v !== 'number') return fail('JWT_INVALID', `JWT claim ${name} is not a number`);
  }
  const { exp, nbf, iat } = claims as { exp?: number; nbf?: number; iat?: number };
  if (exp !== undefined && now > exp + SKEW_S) return fail('JWT_EXPIRED', 'JWT expired');
  if (nbf !== undefined && now < nbf - SKEW_S) return fail('JWT_EXPIRED', 'JWT not yet valid');
  if (iat !== undefined && now < iat - SKEW_S) return fail('JWT_EXPIRED', 'JWT issued at future');
  if (claims['role'] !== undefined && typeof claims['role'] !== 'string') return fail('JWT_INVALID', 'JWT claim role is not a string');
  return ok(claims as JwtClaims);
}

function parseJson(part: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
