import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createLogger, ok, type Database, type Logger, type Result } from '@typedcluster/core';
import { readGatewayConfig, type GatewayConfig } from '../config/read-gateway-config.js';
import { buildGateway } from '../http/build-gateway.js';
import type { GatewayDeps } from '../http/gateway-deps.js';
import { createGatewayMetrics } from '../metrics/gateway-metrics.js';
import { systemClock } from '../runtime/clock.js';
import { definitionFromStack, type FunctionDefinition } from '../runtime/function-definition.js';
import type { UpstreamRequest, UpstreamResponse } from '../runtime/forward-request.js';
import type { FunctionSnapshot, Supervisor } from '../runtime/supervisor.js';
import { loadStack } from '../stack/load-stack.js';

// Test support for the HTTP tests: buildGateway over a fake supervisor.
export const STACK = loadStack(fileURLToPath(new URL('../../test-fixtures/stack.yml', import.meta.url)), {});
export const AUTH = 'Basic ' + Buffer.from('admin:pw').toString('base64');

/** Records what the HTTP layer asked for; invoke answers from `answer`. */
export class FakeSupervisor implements Supervisor {
  readonly defs = new Map<string, FunctionDefinition>();
  readonly replicas = new Map<string, number>();
  readonly invoked: Array<{ name: string; req: UpstreamRequest }> = [];
  answer: (name: string, req: UpstreamRequest) => Promise<Result<UpstreamResponse>> = async (_n, req) =>
    ok({ status: 200, headers: { 'content-type': String(req.headers['content-type'] ?? 'application/octet-stream'), 'x-from': 'fn' }, body: req.body });

  constructor(defs: FunctionDefinition[]) {
    for (const d of defs) {
      this.defs.set(d.name, d);
      this.replicas.set(d.name, 1);
    }
  }
  list = (): FunctionSnapshot[] => [...this.defs.keys()].map((n) => this.get(n)!);
  get = (name: string): FunctionSnapshot | undefined => {
    const d = this.defs.get(name);
    if (!d) return undefined;
    const r = this.replicas.get(name) === 0 ? 0 : 1;
    return { definition: d, replicas: r, availableReplicas: r, state: r ? 'ready' : 'stopped', pid: undefined, restarts: 0, createdAt: Date.UTC(2026, 0, 2), lastExit: undefined };
  };
  deploy = async (d: FunctionDefinition): Promise<'created' | 'updated'> => {
    const existed = this.defs.has(d.name);
    this.defs.set(d.name, d);
    this.replicas.set(d.name, 1);
    return existed ? 'updated' : 'created';
  };
  remove = async (name: string): Promise<boolean> => this.defs.delete(name);
  scale = async (name: string, n: number): Promise<boolean> => {
    if (!this.defs.has(name)) return false;
    this.replicas.set(name, n);
    return true;
  };
  invoke = async (name: string, req: UpstreamRequest): Promise<Result<UpstreamResponse>> => {
    this.invoked.push({ name, req });
    return this.answer(name, req);
  };
  stopAll = async (): Promise<void> => {};
}

export interface Harness {
  app: FastifyInstance;
  sup: FakeSupervisor;
  callbacks: Array<{ url: string; init: RequestInit }>;
  logs: string[];
}

export function harness(env: Record<string, string> = {}, opts: { fetchFails?: boolean } = {}): Harness {
  const config: GatewayConfig = readGatewayConfig({ MAX_BODY_BYTES: '1024', ...env }, (n) => ({ 'basic-auth-user': 'admin', 'basic-auth-password': 'pw' })[n]);
  const sup = new FakeSupervisor(STACK.functions.map((f) => definitionFromStack(f, config.execTimeoutMs)));
  const callbacks: Harness['callbacks'] = [];
  const logs: string[] = [];
  const fetchFake = (async (url: string | URL | Request, init?: RequestInit) => {
    callbacks.push({ url: String(url), init: init ?? {} });
    if (opts.fetchFails) throw new Error('connection refused');
    return new Response('thanks');
  }) as typeof fetch;
  let n = 0;
  const app = buildGateway({
    config,
    stack: STACK,
    supervisor: sup,
    metrics: createGatewayMetrics(new Registry()),
    log: createLogger('gateway', { sink: (l) => logs.push(l) }),
    fetch: fetchFake,
    clock: systemClock,
    version: { release: '0.1.0', sha: 'abc123', commitMessage: 'test' },
    newCallId: () => `call-${++n}`,
  });
  return { app, sup, callbacks, logs };
}

export const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/**
 * The gateway's HTTP app over a real database, with no function processes:
 * what the REST API and the dashboard tests and benchmarks need. Not listening.
 */
export function buildDatabaseGateway(
  database: Database,
  o: { readonly rest?: GatewayDeps['rest']; readonly dashboard?: GatewayDeps['dashboard']; readonly port?: number; readonly now?: () => number; readonly log?: Logger } = {},
): FastifyInstance {
  return buildGateway({
    config: readGatewayConfig({ PORT: String(o.port ?? 0), BASIC_AUTH: 'false' }),
    stack: STACK,
    supervisor: new FakeSupervisor([]),
    metrics: createGatewayMetrics(new Registry()),
    log: o.log ?? createLogger('gateway', { level: 'error' }),
    fetch: globalThis.fetch,
    clock: { ...systemClock, now: o.now ?? systemClock.now },
    database,
    ...(o.rest ? { rest: o.rest } : {}),
    ...(o.dashboard ? { dashboard: o.dashboard } : {}),
  });
}
