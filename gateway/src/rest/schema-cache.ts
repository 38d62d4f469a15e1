import type { Queryable } from '@typedcluster/core';
import type { ViewColumns } from './parse-query.js';

/**
 * What PostgREST keeps in its schema cache, for our subset: the relations of
 * the exposed schema with their columns, and the roles the authenticator may
 * switch to (a JWT naming any other role is refused, as PostgreSQL would).
 * Loaded on first use, so the gateway starts while the database is still
 * coming up; a failed load is retried by the next request.
 */
export interface ApiSchema {
  readonly schema: string;
  readonly views: ReadonlyMap<string, ViewColumns>;
  readonly roles: ReadonlySet<string>;
}

export interface SchemaCache {
  get(): Promise<ApiSchema>;
}

export function createSchemaCache(db: Queryable, schema: string, authenticator: string): SchemaCache {
  let cached: Promise<ApiSchema> | undefined;
  const load = async (): Promise<ApiSchema> => {
    const cols = await db.query<{ relname: string; attname: string }>(
      `SELECT c.relname, a.attname FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE n.nspname = $1 AND c.relkind IN ('v', 'r', 'm', 'f', 'p')
       ORDER BY c.relname, a.attnum`,
      [schema],
    );
    const byView = new Map<string, string[]>();
    for (const r of cols.rows) {
      const list = byView.get(r.relname) ?? [];
      list.push(r.attname);
      byView.set(r.relname, list);
    }
    const views = new Map<string, ViewColumns>();
    for (const [name, columns] of byView) {
      const set = new Set(columns);
      views.set(name, { name, columns, has: (c) => set.has(c) });
    }
    const roles = await db.query<{ rolname: string }>(
      `SELECT r.rolname FROM pg_auth_members m
         JOIN pg_roles r ON r.oid = m.roleid
         JOIN pg_roles u ON u.oid = m.member
       WHERE u.rolname = $1`,
      [authenticator],
    );
    return { schema, views, roles: new Set(roles.rows.map((r) => r.rolname)) };
  };
  return {
    get: () =>
      (cached ??= load().catch((e: unknown) => {
        cached = undefined;
        throw e;
      })),
  };
}
