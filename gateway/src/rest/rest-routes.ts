import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Logger, Queryable } from '@typedcluster/core';
import { countSql, selectSql, updateSql } from './build-sql.js';
import { checkProfile, contentRange, negotiateShape, readPreferences, readRange, type Shape } from './negotiate.js';
import { parseRestQuery, type RestQuery, type ViewColumns } from './parse-query.js';
import { errorBody, fromDatabaseError, parseError, pgrstError, type PgrstError } from './pgrst-error.js';
import { resolveRequestRole } from './request-role.js';
import type { RestMetrics } from './rest-metrics.js';
import { inRequestTransaction } from './request-transaction.js';
import { createSchemaCache, type SchemaCache } from './schema-cache.js';

/**
 * The PostgREST-compatible endpoint under /api (docs/rest-api.md): each
 * request runs in its own transaction as the role its JWT names, exactly
 * as PostgREST switches roles, so grants and row-level security of the
 * `api` schema decide what it may see and do.
 */
export interface RestDeps {
  /** The gateway's PostgreSQL pool (GatewayDeps.database). */
  readonly database: Database;
  readonly jwtSecret: string | undefined;
  readonly anonRole: string;
  readonly metrics: RestMetrics;
  readonly log: Logger;
  readonly now: () => number;
  /** Exposed schema and login role; defaults api and authenticator, as sql/005_api.sql. */
  readonly schema?: string;
  readonly authenticator?: string;
}

export const REST_PREFIX = '/api';

/** Thrown inside the transaction to roll it back and answer this error. */
class Refusal extends Error {
  constructor(readonly pgrst: PgrstError) {
    super(pgrst.message);
  }
}

interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers: Readonly<Record<string, string>>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const OBJECT_TYPE = 'application/vnd.pgrst.object+json; charset=utf-8';

export function registerRestRoutes(app: FastifyInstance, deps: RestDeps): SchemaCache {
  const schema = deps.schema ?? 'api';
  const cache = createSchemaCache(deps.database, schema, deps.authenticator ?? 'authenticator');
  const handler = async (request: FastifyRequest<{ Params: { view: string } }>, reply: FastifyReply) => {
    const method = request.method;
    let viewLabel = '(unknown)';
    let answer: Answer;
    try {
      const r = await handle(request, schema, cache, deps, (v) => (viewLabel = v));
      answer = r;
    } catch (e) {
      const err = e instanceof Refusal ? e.pgrst : pgrstError(500, 'PGRST000', 'Internal error in the REST endpoint');
      if (!(e instanceof Refusal)) deps.log.error('REST request failed', { method, url: request.url, error: (e as Error).message });
      answer = errorAnswer(err);
    }
    const errorCode = answer.status >= 400 ? answer.headers['x-pgrst-code'] : undefined;
    deps.metrics.answered(viewLabel, method, answer.status, errorCode);
    if (answer.status >= 500) deps.log.warn('REST request refused', { method, url: request.url, status: answer.status, code: errorCode });
    const { 'x-pgrst-code': _, ...headers } = answer.headers;
    void reply.code(answer.status).headers(headers);
    return answer.body === undefined || method === 'HEAD' ? reply.send() : reply.send(answer.body);
  };
  app.route({ method: ['GET', 'PATCH', 'POST', 'PUT', 'DELETE'], url: `${REST_PREFIX}/:view`, handler });
  return cache;
}

function errorAnswer(e: PgrstError, extra: Record<string, string> = {}): Answer {
  const headers: Record<string, string> = { 'content-type': JSON_TYPE, 'x-pgrst-code': e.code, ...extra };
  if (e.status === 401 && e.code.startsWith('PGRST3')) headers['www-authenticate'] = `Bearer error="invalid_token", error_description="${e.message.replace(/"/g, "'")}"`;
  else if (e.status === 401) headers['www-authenticate'] = 'Bearer';
  return { status: e.status, body: errorBody(e), headers };
}

async function handle(
  request: FastifyRequest<{ Params: { view: string } }>,
  schema: string,
  cache: SchemaCache,
  deps: RestDeps,
  seen: (view: string) => void,
): Promise<Answer> {
  const read = request.method === 'GET' || request.method === 'HEAD';
  const refuse = (e: PgrstError): never => {
    throw new Refusal(e);
  };
  const profileError = checkProfile(header(request, read ? 'accept-profile' : 'content-profile'), schema);
  if (profileError) refuse(profileError);

  let api;
  try {
    api = await cache.get();
  } catch (e) {
    return errorAnswer(fromDatabaseError(e, false));
  }
  const role = resolveRequestRole(request.headers.authorization, { jwtSecret: deps.jwtSecret, anonRole: deps.anonRole, roles: api.roles, nowMs: deps.now() });
  if (!role.ok) return errorAnswer(role.error);

  const viewName = request.params.view;
  const view = api.views.get(viewName);
  if (!view) return errorAnswer(pgrstError(404, 'PGRST205', `Could not find the table '${schema}.${viewName}' in the schema cache`, null, `the views are: ${[...api.views.keys()].join(', ')}`));
  seen(viewName);

  const query = parseRestQuery(new URLSearchParams(queryString(request.url)), view);
  if (!query.ok) return errorAnswer(query.error);
  const shape = negotiateShape(header(request, 'accept'));
  if (typeof shape !== 'string') return errorAnswer(shape);
  const prefs = readPreferences(request.headers['prefer']);

  const run = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    // As PostgREST: the role and the claims hold for this transaction only.
    inRequestTransaction(deps.database, { role: role.value.role, claims: JSON.stringify(role.value.claims), method: request.method, readOnly: read }, fn)
      .catch((e: unknown) => {
        if (e instanceof Refusal) throw e;
        throw new Refusal(fromDatabaseError(e, role.value.authenticated));
      });

  if (read) {
    const range = readRange(header(request, 'range'));
    if (range && 'code' in range) return errorAnswer(range);
    return run((tx) => readRows(tx, schema, view, withRange(query.value, range), shape, prefs.count));
  }
  if (request.method === 'PATCH') {
    if (query.value.limit !== undefined || query.value.offset > 0 || query.value.order.length > 0) {
      return errorAnswer(parseError('limit, offset and order are not supported on PATCH by this API'));
    }
    const body = parseBody(request, view);
    if (!body.ok) return errorAnswer(body.error);
    return run((tx) => updateRows(tx, schema, view, body.value, query.value, shape, prefs));
  }
  // POST, PUT, DELETE: outside the subset. Without the privilege PostgREST would
  // answer 42501 (401/403), and so do we; with it, 405 says what we lack.
  const privilege = request.method === 'DELETE' ? 'DELETE' : request.method === 'PUT' ? 'INSERT,UPDATE' : 'INSERT';
  return run(async (tx) => {
    const r = await tx.query<{ allowed: boolean }>('SELECT has_table_privilege(current_user, $1, $2) AS allowed', [`${schema}.${viewName}`, privilege]);
    if (!r.rows[0]?.allowed) refuse(pgrstError(role.value.authenticated ? 403 : 401, '42501', `permission denied for view ${viewName}`));
    return refuse(pgrstError(405, 'PGRST117', `Unsupported HTTP method: ${request.method}`, null, 'this API serves GET, HEAD and PATCH (docs/rest-api.md)'));
  });
}

type Tx = Queryable;

async function readRows(tx: Tx, schema: string, view: ViewColumns, q: RestQuery, shape: Shape, count: boolean): Promise<Answer> {
  const sel = selectSql(schema, view.name, q);
  const rows = await tx.query<{ body: string; n: number }>(sel.text, sel.params);
  const { body, n } = rows.rows[0] ?? { body: '[]', n: 0 };
  let total: number | undefined;
  if (count) {
    const c = countSql(schema, view.name, q);
    total = Number((await tx.query<{ total: string }>(c.text, c.params)).rows[0]?.total ?? 0);
  }
  const range = contentRange(q.offset, n, total);
  if (range.status === 416) {
    throw new Refusal(pgrstError(416, 'PGRST103', 'Requested range not satisfiable', `An offset of ${q.offset} was requested, but there are only ${total} rows.`));
  }
  if (shape === 'object') return single(body, n, range.header);
  return { status: range.status, body, headers: { 'content-type': JSON_TYPE, 'content-range': range.header } };
}

async function updateRows(tx: Tx, schema: string, view: ViewColumns, patch: Record<string, unknown>, q: RestQuery, shape: Shape, prefs: { count: boolean; representation: boolean }): Promise<Answer> {
  const sql = updateSql(schema, view.name, patch, q);
  const r = (await tx.query<{ body: string; n: number }>(sql.text, sql.params)).rows[0] ?? { body: '[]', n: 0 };
  const range = contentRange(0, r.n, prefs.count ? r.n : undefined).header;
  // A single-object PATCH that touched 0 or 2+ rows is rolled back, as PostgREST does.
  if (shape === 'object') {
    const one = single(r.body, r.n, range);
    if (one.status !== 200) throw new Refusal(pgrstError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', `The result contains ${r.n} rows`));
    return prefs.representation ? one : { status: 204, headers: { 'content-range': range } };
  }
  if (!prefs.representation) return { status: 204, headers: { 'content-range': range } };
  return { status: 200, body: r.body, headers: { 'content-type': JSON_TYPE, 'content-range': range } };
}

function single(body: string, n: number, range: string): Answer {
  if (n !== 1) throw new Refusal(pgrstError(406, 'PGRST116', 'JSON object requested, multiple (or no) rows returned', `The result contains ${n} rows`));
  // json_agg of one row is exactly "[<object>]".
  return { status: 200, body: body.slice(1, -1), headers: { 'content-type': OBJECT_TYPE, 'content-range': range } };
}

type Body = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly error: PgrstError };

function parseBody(request: FastifyRequest, view: ViewColumns): Body {
  const no = (error: PgrstError): Body => ({ ok: false, error });
  const type = (header(request, 'content-type') ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return no(pgrstError(415, 'PGRST107', `Content-Type not acceptable: ${type}`, null, 'send the PATCH body as application/json'));
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return no(pgrstError(400, 'PGRST102', 'Empty or invalid json', null, null));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return no(pgrstError(400, 'PGRST102', 'PATCH takes one JSON object', null, null));
  const keys = Object.keys(value);
  if (keys.length === 0) return no(pgrstError(400, 'PGRST102', 'Empty or invalid json', 'the PATCH body names no column', null));
  const unknown = keys.find((k) => !view.has(k));
  if (unknown !== undefined) return no(pgrstError(400, 'PGRST204', `Could not find the '${unknown}' column of '${view.name}' in the schema cache`));
  return { ok: true, value: value as Record<string, unknown> };
}

/** Range header and limit/offset together: their intersection, as PostgREST. */
function withRange(q: RestQuery, range: { offset: number; limit?: number } | undefined): RestQuery {
  if (!range) return q;
  const from = Math.max(q.offset, range.offset);
  const ends = [q.limit === undefined ? undefined : q.offset + q.limit, range.limit === undefined ? undefined : range.offset + range.limit].filter((x): x is number => x !== undefined);
  const end = ends.length > 0 ? Math.min(...ends) : undefined;
  return end === undefined ? { ...q, offset: from, limit: undefined } : { ...q, offset: from, limit: Math.max(0, end - from) };
}

const queryString = (url: string): string => {
  const i = url.indexOf('?');
  return i < 0 ? '' : url.slice(i + 1);
};

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

