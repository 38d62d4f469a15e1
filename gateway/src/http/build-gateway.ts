import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { GatewayDeps } from './gateway-deps.js';
import { registerAsyncRoutes } from './async-routes.js';
import { registerBasicAuth } from './basic-auth.js';
import { registerFunctionRoutes } from './function-routes.js';
import { failure, replyFailure } from './reply-failure.js';
import { registerSystemRoutes } from './system-routes.js';
import { registerRestRoutes } from '../rest/rest-routes.js';
import { createRestMetrics } from '../rest/rest-metrics.js';
import { registerDashboard } from '../dashboard/dashboard-routes.js';

/**
 * The gateway's HTTP API as a Fastify instance that is not listening
 * (tests use inject()). Bodies stay raw Buffers for every content type.
 */
export function buildGateway(deps: GatewayDeps): FastifyInstance {
  const { config, log } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status === 413) return replyFailure(reply, failure('TOO_LARGE', `request body exceeds MAX_BODY_BYTES=${config.maxBodyBytes}`));
    if (status === 415) return replyFailure(reply, failure('UNSUPPORTED_MEDIA_TYPE', err.message));
    if (status >= 400 && status < 500) return replyFailure(reply, failure('BAD_REQUEST', err.message));
    log.error('request failed', { method: request.method, url: request.url, error: err.message });
    return replyFailure(reply, failure('GATEWAY_FAILED', err.message));
  });
  app.setNotFoundHandler((request, reply) => replyFailure(reply, failure('NOT_FOUND', `no route for ${request.method} ${request.url}`)));

  registerBasicAuth(app, config.basicAuth);
  registerFunctionRoutes(app, deps);
  const queue = registerAsyncRoutes(app, deps);
  registerSystemRoutes(app, deps);
  if (deps.database && deps.rest) {
    registerRestRoutes(app, { database: deps.database, ...deps.rest, metrics: createRestMetrics(deps.metrics.registry), log: log.child('rest'), now: () => deps.clock.now() });
  }
  if (deps.database && deps.dashboard?.config.enabled) {
    registerDashboard(app, { ...deps.dashboard, db: deps.database, registry: deps.metrics.registry, clock: deps.clock, log: log.child('dashboard') });
  }

  app.get('/healthz', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.addHook('onClose', async () => {
    if (!(await queue.drain(config.shutdownTimeoutMs))) log.warn('async invocations still queued at shutdown were dropped', { waiting: queue.waiting, running: queue.running });
  });
  return app;
}
