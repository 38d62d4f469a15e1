import { pgrstError, type PgrstError } from './pgrst-error.js';

/**
 * The request headers PostgREST reads, within our subset: Accept (array or
 * single object), Prefer (count, return), Range, and the schema profiles.
 */
export type Shape = 'array' | 'object';

const ARRAY_TYPES = new Set(['application/json', 'application/*', '*/*', 'application/vnd.pgrst.array+json']);
const OBJECT_TYPE = 'application/vnd.pgrst.object+json';

/** The first acceptable media type in Accept (missing = JSON array); otherwise 406 PGRST107. */
export function negotiateShape(accept: string | undefined): Shape | PgrstError {
  if (!accept || accept.trim() === '') return 'array';
  const offered = accept.split(',').map((s) => s.trim());
  for (const item of offered) {
    const [type = '', ...params] = item.split(';').map((s) => s.trim().toLowerCase());
    // Parameters change the output (nulls=stripped) or are quality values; only q is harmless.
    if (params.some((p) => !p.startsWith('q='))) continue;
    if (ARRAY_TYPES.has(type)) return 'array';
    if (type === OBJECT_TYPE) return 'object';
  }
  return pgrstError(406, 'PGRST107', `None of these media types are available: ${offered.join(', ')}`, null, 'this API serves application/json and application/vnd.pgrst.object+json (docs/rest-api.md)');
}

export interface Preferences {
  readonly count: boolean;
  readonly representation: boolean;
}

/**
 * Prefer, possibly repeated or comma-separated. count=planned/estimated get
 * the exact count (a correct estimate); unknown preferences are ignored, as
 * PostgREST does unless handling=strict.
 */
export function readPreferences(prefer: string | string[] | undefined): Preferences {
  const items = (Array.isArray(prefer) ? prefer : [prefer ?? '']).flatMap((p) => p.split(',')).map((s) => s.trim().toLowerCase());
  return {
    count: items.some((i) => /^count=(exact|planned|estimated)$/.test(i)),
    representation: items.includes('return=representation'),
  };
}

/** The Range request header as offset and optional limit; 416 PGRST103 when malformed. */
export function readRange(range: string | undefined): { readonly offset: number; readonly limit?: number } | PgrstError | undefined {
  if (range === undefined || range.trim() === '') return undefined;
  const m = /^\s*(?:items=)?(\d{1,9})-(\d{0,9})\s*$/.exec(range);
  const from = m ? Number(m[1]) : NaN;
  const to = m?.[2] ? Number(m[2]) : undefined;
  if (!m || (to !== undefined && to < from)) return pgrstError(416, 'PGRST103', 'Requested range not satisfiable', `Range "${range}": expected first-last, e.g. 0-24`);
  return to === undefined ? { offset: from } : { offset: from, limit: to - from + 1 };
}

/** Accept-Profile / Content-Profile: only the exposed schema (406 PGRST106 otherwise). */
export function checkProfile(profile: string | undefined, schema: string): PgrstError | undefined {
  if (profile === undefined || profile === schema) return undefined;
  return pgrstError(406, 'PGRST106', `The schema must be one of the following: ${schema}`, null, null);
}

/**
 * PostgREST's Content-Range and status: `lower-upper/total`, or `*\/total`
 * when nothing is returned; 206 when the page is a strict part of a known
 * total, 416 when the offset lies beyond it.
 */
export function contentRange(offset: number, rows: number, total: number | undefined): { readonly header: string; readonly status: 200 | 206 | 416 } {
  const upper = offset + rows - 1;
  const totalText = total === undefined ? '*' : String(total);
  const header = total !== 0 && offset <= upper ? `${offset}-${upper}/${totalText}` : `*/${totalText}`;
  if (total === undefined) return { header, status: 200 };
  if (offset > total) return { header, status: 416 };
  return { header, status: 1 + upper - offset < total ? 206 : 200 };
}
