import { sqlLiteral, type Database, type Queryable } from '@typedcluster/core';

/** What a request's transaction is switched to, as PostgREST sets it. */
export interface RequestSettings {
  readonly role: string;
  /** The JWT claims as JSON (request.jwt.claims). */
  readonly claims: string;
  readonly method: string;
  /** GET and HEAD: BEGIN READ ONLY, so a read can never write whatever a view does. */
  readonly readOnly: boolean;
}

/**
 * BEGIN and the settings as ONE simple-protocol query (values as pg-escaped
 * literals: parameters are not allowed there). With fn's statement and
 * COMMIT a read costs three round trips instead of four; PostgREST sends the
 * same statements, pipelined.
 */
export function beginSql(s: RequestSettings): string {
  const set = (name: string, value: string) => `set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`;
  return `BEGIN${s.readOnly ? ' READ ONLY' : ''}; SELECT ${set('role', s.role)}, ${set('request.jwt.claims', s.claims)}, ${set('request.method', s.method)}`;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Runs fn in a transaction as the request's role. set_config(…, true) is
 * transaction-local: COMMIT or ROLLBACK resets the role and the claims
 * before the connection goes back to the pool, so nothing leaks to the next
 * request. A refusal is returned out of withClient rather than thrown
 * through it, which would drop a connection a clean ROLLBACK made reusable.
 */
export async function inRequestTransaction<T>(db: Database, settings: RequestSettings, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  const outcome = await db.withClient(async (c): Promise<Outcome<T>> => {
    try {
      await c.query(beginSql(settings));
      const value = await fn(c);
      await c.query('COMMIT');
      return { ok: true, value };
    } catch (error) {
      const clean = await c.query('ROLLBACK').then(() => true, () => false);
      // Session state unknown (connection lost?): throwing makes withClient destroy it.
      if (!clean) throw error;
      return { ok: false, error };
    }
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
