import { verifyJwtHs256, type JwtClaims } from '@typedcluster/core';
import { pgrstError, type PgrstError } from './pgrst-error.js';

/**
 * The database role a request runs as, chosen the PostgREST way: no bearer
 * token → the anonymous role; a valid token → its `role` claim (anonymous
 * when absent); a bad or expired token → 401, never a silent fallback.
 */
export interface RequestRole {
  readonly role: string;
  /** What set_config('request.jwt.claims', …) gets: the token's claims, or {role} for anonymous. */
  readonly claims: JwtClaims;
  readonly authenticated: boolean;
}

export interface RoleOptions {
  /** undefined: no secret configured; a token is then a server error (PGRST300), as in PostgREST. */
  readonly jwtSecret: string | undefined;
  readonly anonRole: string;
  /** Roles the authenticator may switch to (schema cache). */
  readonly roles: ReadonlySet<string>;
  readonly nowMs: number;
}

type Resolved = { readonly ok: true; readonly value: RequestRole } | { readonly ok: false; readonly error: PgrstError };

export function resolveRequestRole(authorization: string | undefined, o: RoleOptions): Resolved {
  const m = /^Bearer\s*(.*)$/i.exec(authorization ?? '');
  // No bearer token (absent, or another scheme): anonymous, as PostgREST.
  if (!m) return { ok: true, value: { role: o.anonRole, claims: { role: o.anonRole }, authenticated: false } };
  if (o.jwtSecret === undefined) return { ok: false, error: pgrstError(500, 'PGRST300', 'Server lacks JWT secret', null, 'create the jwt-secret secret (typedcluster up does)') };
  const token = (m[1] ?? '').trim();
  if (token === '') return { ok: false, error: pgrstError(401, 'PGRST301', 'Empty JWT is sent in Authorization header') };
  const v = verifyJwtHs256(token, o.jwtSecret, o.nowMs);
  if (!v.ok) return { ok: false, error: pgrstError(401, v.error.code === 'JWT_EXPIRED' ? 'PGRST303' : 'PGRST301', v.error.message) };
  const role = v.value.role ?? o.anonRole;
  if (role !== o.anonRole && !o.roles.has(role)) {
    // What PostgreSQL answers when the authenticator is not a member of the role.
    return { ok: false, error: pgrstError(403, '42501', `permission denied to set role "${role}"`) };
  }
  return { ok: true, value: { role, claims: v.value, authenticated: true } };
}
