import type { ErrorCode } from '@typedcluster/core';
import { SOURCES, type SourceName } from './api-rows.js';

/** A failed poll: a catalogue code and one line a person can act on. */
export interface ApiFailure {
  readonly code: Extract<ErrorCode, 'ALERT_API_UNREACHABLE' | 'ALERT_API_UNAUTHORIZED' | 'ALERT_API_NOT_FOUND' | 'ALERT_API_FAILED'>;
  readonly message: string;
}
export type ReadResult<R> = { ok: true; rows: R[] } | { ok: false; error: ApiFailure };

export interface RestReaderOptions {
  /** Base URL of the PostgREST-compatible API, e.g. http://127.0.0.1:8080/api. */
  readonly api: string;
  /** A JWT (HS256, secret `jwt-secret`); without one the API answers as the read-only anonymous role. */
  readonly token?: string;
  readonly fetch: typeof fetch;
  /** Rows per request; a poll pages on until a short page. */
  readonly pageSize?: number;
  readonly timeoutMs?: number;
}

/**
 * Reads the rows of one view committed at or after `sinceMs`, oldest first,
 * over the PostgREST query syntax (`?stored_at=gte.…&order=…&limit=…&offset=…`).
 * Offset paging within one poll is safe here: a row that a concurrent insert
 * pushes into an earlier page is found again by the next poll's overlap window.
 */
export function createRestReader(o: RestReaderOptions) {
  const pageSize = o.pageSize ?? 1000;
  const base = o.api.replace(/\/+$/, '');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (o.token) headers['authorization'] = `Bearer ${o.token}`;

  return async function read<R>(source: SourceName, sinceMs: number): Promise<ReadResult<R>> {
    const { time, order } = SOURCES[source];
    const rows: R[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const url = `${base}/${source}?${time}=gte.${encodeURIComponent(new Date(sinceMs).toISOString())}&order=${order}&limit=${pageSize}&offset=${offset}`;
      const page = await getJson<R>(o.fetch, url, headers, o.timeoutMs ?? 10_000);
      if (!page.ok) return page;
      rows.push(...page.rows);
      if (page.rows.length < pageSize) return { ok: true, rows };
    }
  };
}

async function getJson<R>(fetchFn: typeof fetch, url: string, headers: Record<string, string>, timeoutMs: number): Promise<ReadResult<R>> {
  const fail = (code: ApiFailure['code'], message: string): ReadResult<R> => ({ ok: false, error: { code, message } });
  let res: Response;
  try {
    res = await fetchFn(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    return fail('ALERT_API_UNREACHABLE', describeNetworkError(e, url, timeoutMs));
  }
  const body = await res.text().catch(() => '');
  if (res.status === 401 || res.status === 403) {
    return fail('ALERT_API_UNAUTHORIZED', `the API refused the token (${res.status}) at ${url}: check --token (a JWT signed with the secret jwt-secret), or leave it out to read anonymously`);
  }
  if (res.status === 404) return fail('ALERT_API_NOT_FOUND', `no REST API at ${url} (404): check --api, e.g. http://127.0.0.1:8080/api`);
  if (!res.ok) return fail('ALERT_API_FAILED', `the API answered ${res.status} at ${url}: ${body.slice(0, 200)}`);
  try {
    const rows = JSON.parse(body) as unknown;
    if (!Array.isArray(rows)) throw new Error('not an array');
    return { ok: true, rows: rows as R[] };
  } catch {
    return fail('ALERT_API_FAILED', `the answer from ${url} is not a JSON array of rows: is --api a PostgREST-compatible API?`);
  }
}

function describeNetworkError(e: unknown, url: string, timeoutMs: number): string {
  const err = e as { name?: string; cause?: { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer from ${url} within ${timeoutMs} ms`;
  const code = err.cause?.code;
  const host = new URL(url).host;
  if (code === 'ECONNREFUSED') return `connection refused by ${host}: is the platform running ("typedcluster up")? check --api`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host ${host} not found: check --api`;
  return `cannot reach ${url}: ${code ?? (e instanceof Error ? e.message : String(e))}`;
}
