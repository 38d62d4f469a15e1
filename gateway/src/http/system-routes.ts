import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { definitionFromDeployment } from '../runtime/function-definition.js';
import { readRssBytes } from '../runtime/process-usage.js';
import type { FunctionSnapshot } from '../runtime/supervisor.js';
import { collectFunctionInfo } from './function-info.js';
import { gatewayInfo, toFunctionStatus } from './function-status.js';
import type { GatewayDeps } from './gateway-deps.js';
import { functionNameOf, NAMESPACE } from './invoke-function.js';
import { findHandler, parseDeployment, parseJsonBody } from './parse-deployment.js';
import { missingSecrets } from '../runtime/function-secrets.js';
import { failure, replyFailure, notDeployed } from './reply-failure.js';

type Query = { namespace?: string };
type Req = FastifyRequest<{ Querystring: Query; Params: { name: string } }>;

/** The OpenFaaS provider API under /system, shaped for faas-cli. */
export function registerSystemRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  const { supervisor, stack, config } = deps;
  const status = (s: FunctionSnapshot) => toFunctionStatus(s, deps.metrics.invocationCount(s.definition.name), readRssBytes(s.pid));
  /** faas-cli sends ?namespace=… (or a body field); only openfaas-fn exists here. */
  const badNamespace = (reply: FastifyReply, ns: string | undefined): FastifyReply | undefined =>
    ns && ns !== NAMESPACE ? replyFailure(reply, failure('BAD_REQUEST', `namespace "${ns}" does not exist; this gateway serves only ${NAMESPACE}`)) : undefined;

  app.get('/system/functions', async (request: Req, reply) => badNamespace(reply, request.query.namespace) ?? reply.send(supervisor.list().map(status)));

  app.get('/system/function/:name', async (request: Req, reply) => {
    const wrongNs = badNamespace(reply, request.query.namespace);
    if (wrongNs) return wrongNs;
    const name = functionNameOf(request.params.name);
    const s = name === undefined ? undefined : supervisor.get(name);
    if (!s) return replyFailure(reply, notDeployed(request.params.name));
    return reply.send(status(s));
  });

  const deploy = (mode: 'create' | 'update') => async (request: Req, reply: FastifyReply) => {
    const body = parseJsonBody(request.body);
    if (!body.ok) return replyFailure(reply, body.error);
    const d = parseDeployment(body.value);
    if (!d.ok) return replyFailure(reply, d.error);
    const wrongNs = badNamespace(reply, d.value.namespace ?? request.query.namespace);
    if (wrongNs) return wrongNs;
    if (mode === 'update' && !supervisor.get(d.value.service)) {
      // faas-cli deploy tries PUT first and falls back to POST on 404.
      return replyFailure(reply, failure('FUNCTION_NOT_FOUND', `no function named "${d.value.service}" to update; POST to create it`));
    }
    const base = findHandler(stack, d.value);
    if (!base.ok) return replyFailure(reply, base.error);
    const def = definitionFromDeployment(d.value.service, base.value, d.value, config.execTimeoutMs);
    const missing = missingSecrets(def, config.secretsDir);
    if (missing.length > 0) {
      return replyFailure(reply, failure('BAD_REQUEST', `secret "${missing[0]}" of ${def.name} does not exist in ${config.secretsDir}; create it first`));
    }
    const outcome = await supervisor.deploy(def);
    deps.log.info(`${outcome} ${def.name}`, { handler: base.value.name, image: def.image });
    return reply.code(202).send();
  };
  app.post('/system/functions', deploy('create'));
  app.put('/system/functions', deploy('update'));

  app.delete('/system/functions', async (request: Req, reply) => {
    const body = parseJsonBody(request.body);
    if (!body.ok) return replyFailure(reply, body.error);
    const v = body.value as { functionName?: unknown; namespace?: unknown } | null;
    if (typeof v?.functionName !== 'string') return replyFailure(reply, failure('BAD_REQUEST', 'send {"functionName":"name"}'));
    const wrongNs = badNamespace(reply, typeof v.namespace === 'string' ? v.namespace : request.query.namespace);
    if (wrongNs) return wrongNs;
    if (!(await supervisor.remove(v.functionName))) {
      return replyFailure(reply, notDeployed(v.functionName));
    }
    deps.log.info(`removed ${v.functionName}`);
    return reply.code(202).send();
  });

  app.post('/system/scale-function/:name', async (request: Req, reply) => {
    const name = functionNameOf(request.params.name);
    const body = parseJsonBody(request.body);
    if (!body.ok) return replyFailure(reply, body.error);
    const replicas = (body.value as { replicas?: unknown } | null)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      return replyFailure(reply, failure('BAD_REQUEST', 'send {"serviceName":"name","replicas":N} with N ≥ 0 (0 stops it, 1 or more runs one process)'));
    }
    if (name === undefined || !(await supervisor.scale(name, replicas))) {
      return replyFailure(reply, notDeployed(request.params.name));
    }
    return reply.code(202).send();
  });

  // `functions`: what each ready function declared at start (function-info.ts), e.g. detect-anomaly's tfBackend.
  app.get('/system/info', async (_request, reply) => reply.send({ ...gatewayInfo(deps.version ?? { release: 'dev', sha: 'unknown' }), functions: await collectFunctionInfo(supervisor) }));
  app.get('/system/namespaces', async (_request, reply) => reply.send([NAMESPACE]));
}
