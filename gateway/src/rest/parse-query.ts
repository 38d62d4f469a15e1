import { parseError, unknownColumn, type PgrstError } from './pgrst-error.js';

/**
 * The query string of a PostgREST request, parsed into the subset this
 * gateway serves (docs/rest-api.md §The subset). Every column is checked
 * against the view's columns; anything outside the subset is refused with
 * PGRST100 rather than answered differently from PostgREST.
 */
export type CompareOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';
export type IsValue = 'null' | 'true' | 'false' | 'unknown';

export type Filter =
  | { readonly column: string; readonly op: CompareOp; readonly value: string }
  | { readonly column: string; readonly op: 'in'; readonly values: readonly string[] }
  | { readonly column: string; readonly op: 'is'; readonly value: IsValue };

export interface OrderTerm {
  readonly column: string;
  readonly descending: boolean;
  readonly nulls?: 'first' | 'last';
}

export interface RestQuery {
  /** Columns to return, in order; `*` expanded to the view's columns. */
  readonly columns: readonly string[];
  readonly filters: readonly Filter[];
  readonly order: readonly OrderTerm[];
  readonly limit?: number;
  readonly offset: number;
}

export interface ViewColumns {
  readonly name: string;
  /** In the view's order. */
  readonly columns: readonly string[];
  readonly has: (column: string) => boolean;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: PgrstError };
const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(error: PgrstError): Parsed<T> => ({ ok: false, error });

const COMPARE = new Set<string>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte']);
const IS_VALUES = new Set<string>(['null', 'true', 'false', 'unknown']);
/** PostgREST operators and parameters we deliberately do not serve (named in the error). */
const UNSUPPORTED_OPS = new Set(['not', 'like', 'ilike', 'match', 'imatch', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj', 'isdistinct']);
const UNSUPPORTED_PARAMS = new Set(['or', 'and', 'not.or', 'not.and', 'columns', 'on_conflict']);
const SUBSET = 'supported operators: eq, neq, gt, gte, lt, lte, in, is';
const PLAIN_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `params` from the raw query string (repeated keys kept: `ts=gte.a&ts=lt.b`). */
export function parseRestQuery(params: URLSearchParams, view: ViewColumns): Parsed<RestQuery> {
  let columns: readonly string[] = view.columns;
  const filters: Filter[] = [];
  let order: readonly OrderTerm[] = [];
  let limit: number | undefined;
  let offset = 0;
  for (const [key, value] of params) {
    if (key === 'select') {
      const r = parseSelect(value, view);
      if (!r.ok) return r;
      columns = r.value;
    } else if (key === 'order') {
      const r = parseOrder(value, view);
      if (!r.ok) return r;
      order = r.value;
    } else if (key === 'limit' || key === 'offset') {
      if (!/^\d{1,9}$/.test(value)) return bad(parseError(`"${key}" must be a non-negative integer`, `got "${value}"`));
      if (key === 'limit') limit = Number(value);
      else offset = Number(value);
    } else if (UNSUPPORTED_PARAMS.has(key) || key.includes('.')) {
      return bad(parseError(`"${key}" is not supported by this API`, 'logical trees (or, and), embedded filters, columns and on_conflict are outside the subset'));
    } else {
      const r = parseFilter(key, value, view);
      if (!r.ok) return r;
      filters.push(r.value);
    }
  }
  return good(limit === undefined ? { columns, filters, order, offset } : { columns, filters, order, limit, offset });
}

function parseSelect(value: string, view: ViewColumns): Parsed<readonly string[]> {
  const items = value.split(',').map((s) => s.trim());
  const out: string[] = [];
  for (const item of items) {
    if (item === '*') {
      out.push(...view.columns);
    } else if (!PLAIN_COLUMN.test(item)) {
      return bad(parseError(`failed to parse select parameter (${value})`, `"${item}": only plain column names and * are supported (no embedding, casts, aliases, JSON paths or aggregates)`));
    } else if (!view.has(item)) {
      return bad(unknownColumn(view.name, item));
    } else {
      out.push(item);
    }
  }
  return good(out);
}

function parseOrder(value: string, view: ViewColumns): Parsed<readonly OrderTerm[]> {
  const out: OrderTerm[] = [];
  for (const term of value.split(',')) {
    const [column = '', ...mods] = term.trim().split('.');
    if (!PLAIN_COLUMN.test(column)) return bad(parseError(`failed to parse order (${value})`, `"${term}": expected column[.asc|.desc][.nullsfirst|.nullslast]`));
    if (!view.has(column)) return bad(unknownColumn(view.name, column));
    let descending = false;
    let nulls: 'first' | 'last' | undefined;
    // PostgREST's grammar: direction first, then nulls placement, each optional.
    let i = 0;
    if (mods[i] === 'asc' || mods[i] === 'desc') descending = mods[i++] === 'desc';
    if (mods[i] === 'nullsfirst' || mods[i] === 'nullslast') nulls = mods[i++] === 'nullsfirst' ? 'first' : 'last';
    if (i < mods.length) return bad(parseError(`failed to parse order (${value})`, `unexpected "${mods[i]}" in "${term}": expected column[.asc|.desc][.nullsfirst|.nullslast]`));
    out.push(nulls === undefined ? { column, descending } : { column, descending, nulls });
  }
  return good(out);
}

function parseFilter(column: string, raw: string, view: ViewColumns): Parsed<Filter> {
  if (!PLAIN_COLUMN.test(column)) return bad(parseError(`failed to parse filter on "${column}"`, 'filters name a plain column: col=op.value'));
  if (!view.has(column)) return bad(unknownColumn(view.name, column));
  const dot = raw.indexOf('.');
  const op = dot < 0 ? raw : raw.slice(0, dot);
  const arg = dot < 0 ? undefined : raw.slice(dot + 1);
  const failed = (details: string) => bad<Filter>(parseError(`failed to parse filter (${raw})`, details));
  if (arg === undefined) return failed(`expected op.value, e.g. ${column}=eq.1; ${SUBSET}`);
  // eq(any), like(all), …: quantified operators are outside the subset.
  if (UNSUPPORTED_OPS.has(op) || /\((any|all)\)$/.test(op)) return failed(`operator "${op}" is not supported by this API; ${SUBSET}`);
  if (COMPARE.has(op)) return good({ column, op: op as CompareOp, value: arg });
  if (op === 'is') {
    const v = arg.toLowerCase();
    return IS_VALUES.has(v) ? good({ column, op: 'is', value: v as IsValue }) : failed(`is takes null, true, false or unknown, not "${arg}"`);
  }
  if (op === 'in') {
    const values = parseList(arg);
    return values ? good({ column, op: 'in', values }) : failed('in takes a parenthesised list: in.(1,2,"a,b")');
  }
  return failed(`unknown operator "${op}"; ${SUBSET}`);
}

/** `(a,b,"c,d","e\"f")` → values; undefined when malformed. Double quotes protect commas, as in PostgREST. */
export function parseList(text: string): string[] | undefined {
  if (!text.startsWith('(') || !text.endsWith(')')) return undefined;
  const body = text.slice(1, -1);
  if (body === '') return [];
  const out: string[] = [];
  let i = 0;
  while (i <= body.length) {
    if (body[i] === '"') {
      let v = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\' && i + 1 < body.length) i++;
        v += body[i];
        i++;
      }
      if (body[i] !== '"') return undefined;
      i++;
      if (i < body.length && body[i] !== ',') return undefined;
      out.push(v);
    } else {
      const end = body.indexOf(',', i);
      const v = end < 0 ? body.slice(i) : body.slice(i, end);
      if (v.includes('"')) return undefined;
      out.push(v);
      i = end < 0 ? body.length : end;
    }
    i++; // past the comma (or the end)
  }
  return out;
}
