import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createLogger, StartupError, type Env, type Logger } from '@typedcluster/core';
import { readGatewayConfig, type GatewayConfig } from './config/read-gateway-config.js';
import type { GatewayVersion } from './http/gateway-deps.js';
import { buildGateway } from './http/build-gateway.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { systemClock, type Clock } from './runtime/clock.js';
import { definitionFromStack, type FunctionDefinition } from './runtime/function-definition.js';
import { BOOTSTRAP_PATH, buildSpawnSpec, defaultTsxUrl } from './runtime/spawn-spec.js';
import { createSupervisor, type ProcessSupervisor } from './runtime/supervisor.js';
import { checkSecretsExist, createSecretMounts } from './runtime/function-secrets.js';
import { loadStack } from './stack/load-stack.js';
import type { Stack } from './stack/stack-types.js';

export interface StartGatewayOptions {
  /** Where the config variables come from; default process.env. */
  readonly env?: Env;
  /** Use this config instead of reading it from `env`. */
  readonly config?: GatewayConfig;
  /** Added to every function's environment (e.g. DATABASE_URL); not shown by describe. */
  readonly functionEnv?: Readonly<Record<string, string>>;
  readonly log?: Logger;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly registry?: Registry;
  readonly version?: GatewayVersion;
  /** The bootstrap each function runs; default template/typescript-node/index.ts. */
  readonly bootstrapPath?: string;
}

export interface RunningGateway {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  readonly config: GatewayConfig;
  readonly stack: Stack;
  readonly app: FastifyInstance;
  readonly supervisor: ProcessSupervisor;
  readonly metrics: GatewayMetrics;
  /** Stops accepting, drains the async queue, stops every function (SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

/**
 * Reads the config, loads stack.yml, listens, then starts every function
 * and resolves once each is ready or failed its first start (failed ones
 * keep restarting with back-off). Throws StartupError on bad config, a bad
 * stack.yml or a taken port.
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const log = options.log ?? createLogger('gateway');
  const config = options.config ?? readGatewayConfig(env);
  const stack = loadStack(config.stackFile, env);
  const defs = stack.functions.map((f) => definitionFromStack(f, config.execTimeoutMs));
  checkSecretsExist(defs, config.secretsDir);
  const clock = options.clock ?? systemClock;
  const metrics = createGatewayMetrics(options.registry ?? new Registry());
  const tsxUrl = defaultTsxUrl();
  let gatewayUrl = '';
  const secretMounts = createSecretMounts(config.secretsDir);
  const supervisor = createSupervisor({
    log,
    clock,
    timings: {
      readyTimeoutMs: config.readyTimeoutMs,
      readyWaitMs: config.readyWaitMs,
      backoffMaxMs: config.restartBackoffMaxMs,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    },
    spawnSpec: (def) =>
      buildSpawnSpec(def, {
        bootstrapPath: options.bootstrapPath ?? BOOTSTRAP_PATH,
        tsxUrl,
        gatewayUrl,
        secretsDir: secretMounts.dirFor(def),
        maxBodyBytes: config.maxBodyBytes,
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        functionEnv: options.functionEnv ?? {},
        hostEnv: process.env,
        execPath: process.execPath,
      }),
    events: {
      onRestart: (name, reason) => metrics.restarted(name, reason),
      onAvailable: (name, available) => metrics.setAvailable(name, available ? 1 : 0),
    },
  });
  const app = buildGateway({
    config,
    stack,
    supervisor,
    metrics,
    log,
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    version: options.version ?? defaultVersion(env),
  });

  let port: number;
  try {
    port = await listen(app, config);
  } catch (e) {
    secretMounts.remove();
    throw e;
  }
  gatewayUrl = `http://${loopbackFor(config.bindAddress)}:${port}`;
  log.info(`listening on http://${hostForUrl(config.bindAddress)}:${port}`, { stack: stack.file, functions: stack.functions.length, basicAuth: config.basicAuth !== undefined });

  await supervisor.startAll(defs);

  let closing: Promise<void> | undefined;
  return {
    url: gatewayUrl,
    port,
    config,
    stack,
    app,
    supervisor,
    metrics,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await supervisor.stopAll();
        secretMounts.remove();
        log.info('stopped');
      })()),
  };
}

async function listen(app: FastifyInstance, config: GatewayConfig): Promise<number> {
  try {
    await app.listen({ port: config.port, host: config.bindAddress });
  } catch (e) {
    await app.close().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartupError('PORT_IN_USE', `${config.bindAddress}:${config.port} is already in use`, 'set PORT or stop the other process');
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new StartupError('CONFIG_INVALID', `cannot listen on ${config.bindAddress}:${config.port} (${code})`, 'set BIND_ADDRESS to an address of this machine and PORT above 1023');
    }
    throw e;
  }
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : config.port;
}

const ANY = new Set(['0.0.0.0', '::', '']);
const loopbackFor = (bind: string): string => (ANY.has(bind) ? '127.0.0.1' : hostForUrl(bind));
const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function defaultVersion(env: Env): GatewayVersion {
  const pkg = createRequire(import.meta.url)('../package.json') as { version?: string };
  return { release: pkg.version ?? 'dev', sha: env['GIT_SHA'] ?? 'unknown', commitMessage: '' };
}
