import type { Filter, OrderTerm, RestQuery } from './parse-query.js';

/**
 * SQL for a parsed REST query. Identifiers were checked against the view's
 * columns and are quoted anyway; every value is a parameter. PostgreSQL
 * makes the JSON (json_agg), so numbers, timestamps and arrays come out
 * exactly as PostgREST sends them.
 */
export interface Sql {
  readonly text: string;
  readonly params: readonly unknown[];
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const relation = (schema: string, view: string): string => `${quoteIdent(schema)}.${quoteIdent(view)}`;

const COMPARE_SQL = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const IS_SQL = { null: 'NULL', true: 'TRUE', false: 'FALSE', unknown: 'UNKNOWN' } as const;

/** WHERE … for the filters, numbering parameters after `params`. */
function whereClause(filters: readonly Filter[], params: unknown[], qualifier = ''): string {
  if (filters.length === 0) return '';
  const terms = filters.map((f) => {
    const col = qualifier + quoteIdent(f.column);
    if (f.op === 'is') return `${col} IS ${IS_SQL[f.value]}`;
    if (f.op === 'in') {
      params.push(f.values);
      // The parameter's type is inferred from the column: col = ANY($n) takes col_type[].
      return `${col} = ANY($${params.length})`;
    }
    params.push(f.value);
    return `${col} ${COMPARE_SQL[f.op]} $${params.length}`;
  });
  return ` WHERE ${terms.join(' AND ')}`;
}

function orderClause(order: readonly OrderTerm[]): string {
  if (order.length === 0) return '';
  const terms = order.map((o) => `${quoteIdent(o.column)} ${o.descending ? 'DESC' : 'ASC'}${o.nulls ? ` NULLS ${o.nulls.toUpperCase()}` : ''}`);
  return ` ORDER BY ${terms.join(', ')}`;
}

/** One row: `body` (JSON array text) and `n` (rows in it). */
export function selectSql(schema: string, view: string, q: RestQuery): Sql {
  const params: unknown[] = [];
  const cols = q.columns.map(quoteIdent).join(', ');
  let text = `SELECT ${cols} FROM ${relation(schema, view)}${whereClause(q.filters, params)}${orderClause(q.order)}`;
  if (q.limit !== undefined) {
    params.push(q.limit);
    text += ` LIMIT $${params.length}`;
  }
  if (q.offset > 0) {
    params.push(q.offset);
    text += ` OFFSET $${params.length}`;
  }
  return { text: `SELECT coalesce(json_agg(pgrst_t), '[]')::text AS body, count(*)::int AS n FROM (${text}) pgrst_t`, params };
}

/** One row: `total`, the rows matching the filters regardless of limit and offset (Prefer: count=exact). */
export function countSql(schema: string, view: string, q: RestQuery): Sql {
  const params: unknown[] = [];
  return { text: `SELECT count(*)::bigint::text AS total FROM ${relation(schema, view)}${whereClause(q.filters, params)}`, params };
}

/**
 * UPDATE … SET each body column from json_populate_record, as PostgREST
 * does: the view's column types convert the JSON values. One row: `body`, `n`.
 */
export function updateSql(schema: string, view: string, body: Readonly<Record<string, unknown>>, q: RestQuery): Sql {
  const params: unknown[] = [JSON.stringify(body)];
  const rel = relation(schema, view);
  const sets = Object.keys(body).map((c) => `${quoteIdent(c)} = pgrst_body.${quoteIdent(c)}`);
  // Qualified: the body record has every column name of the view too.
  const where = whereClause(q.filters, params, 'pgrst_target.');
  const cols = q.columns.map(quoteIdent).join(', ');
  const text =
    `WITH pgrst_source AS (UPDATE ${rel} AS pgrst_target SET ${sets.join(', ')} ` +
    `FROM (SELECT * FROM json_populate_record(NULL::${rel}, $1::json)) pgrst_body` +
    `${where} RETURNING pgrst_target.*) ` +
    `SELECT coalesce(json_agg(pgrst_t), '[]')::text AS body, count(*)::int AS n FROM (SELECT ${cols} FROM pgrst_source) pgrst_t`;
  return { text, params };
}
