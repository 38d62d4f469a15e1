import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Logger, PhaseModel, Queryable } from '@typedcluster/core';
import type { Registry } from 'prom-client';
import { failure, replyFailure } from '../http/reply-failure.js';
import type { Clock } from '../runtime/clock.js';
import type { DashboardConfig } from './dashboard-config.js';
import { DashboardHub } from './dashboard-hub.js';
import { createDashboardMetrics } from './dashboard-metrics.js';
import { createDashboardQueries } from './dashboard-queries.js';
import { createHealthTracker } from './pipeline-health.js';
import { parseSubscription } from './subscription-query.js';

/** What startGateway decides for the dashboard (GatewayDeps.dashboard). */
export interface DashboardSettings {
  readonly config: DashboardConfig;
  /** The phase model the platform loaded: the expected bands. */
  readonly model: PhaseModel;
}

/** What the gateway gives the dashboard. */
export interface DashboardDeps extends DashboardSettings {
  readonly db: Queryable;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly log: Logger;
}

const require = createRequire(import.meta.url);
const publicFile = (name: string): string => fileURLToPath(new URL(`./public/${name}`, import.meta.url));

/** Everything the page loads, by URL name: our files and uPlot, vendored from node_modules (no CDN: the Pi may be offline). */
const ASSETS: Readonly<Record<string, { readonly path: () => string; readonly type: string }>> = {
  'dashboard.js': { path: () => publicFile('dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'charts.js': { path: () => publicFile('charts.js'), type: 'text/javascript; charset=utf-8' },
  'panels.js': { path: () => publicFile('panels.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: () => publicFile('dashboard.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx and similar proxies would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

/**
 * GET /dashboard/ (the page), /dashboard/assets/<file>, and
 * /dashboard/events (server-sent events, docs/dashboard.md). Returns the
 * hub; the gateway's close ends every stream.
 */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): DashboardHub {
  const hub = new DashboardHub({
    config: deps.config,
    queries: createDashboardQueries(deps.db),
    model: deps.model,
    health: createHealthTracker(deps.registry, () => deps.clock.now()),
    clock: deps.clock,
    log: deps.log,
    metrics: createDashboardMetrics(deps.registry),
    epoch: randomBytes(4).toString('hex'),
  });
  const cache = new Map<string, Buffer>();
  const read = (path: string): Buffer => {
    let body = cache.get(path);
    if (!body) cache.set(path, (body = readFileSync(path)));
    return body;
  };
  const open = new Set<ServerResponse>();

  app.get('/dashboard', async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(read(publicFile('index.html'))),
  );
  app.get<{ Params: { file: string } }>('/dashboard/assets/:file', async (request, reply) => {
    const asset = ASSETS[request.params.file];
    if (!asset) return replyFailure(reply, failure('NOT_FOUND', `no dashboard asset named "${request.params.file.slice(0, 80)}"`));
    return reply.type(asset.type).header('cache-control', 'no-cache').send(read(asset.path()));
  });

  app.get('/dashboard/events', async (request, reply) => {
    const lastId = request.headers['last-event-id'];
    const sub = parseSubscription(request.query as Record<string, string>, Array.isArray(lastId) ? lastId[0] : lastId, deps.config.points);
    if (!sub.ok) return replyFailure(reply, sub.error);
    if (hub.full) return replyFailure(reply, failure('TOO_MANY_CONNECTIONS', `the dashboard has DASHBOARD_MAX_CLIENTS=${deps.config.maxClients} viewers; close one or raise the limit`));
    reply.hijack();
    const res = reply.raw;
    res.on('error', () => undefined); // a viewer that vanished mid-write: 'close' below cleans up
    res.writeHead(200, SSE_HEADERS);
    request.raw.socket.setNoDelay(true);
    open.add(res);
    let unsubscribe: (() => void) | undefined;
    let closed = false;
    res.on('close', () => {
      closed = true;
      open.delete(res);
      unsubscribe?.();
    });
    unsubscribe = await hub.subscribe(sub.value, res);
    if (closed) unsubscribe();
  });

  // Before the server waits for connections to end: streams never end by themselves.
  app.addHook('preClose', async () => {
    hub.close();
    for (const res of open) res.end();
    open.clear();
  });
  return hub;
}
