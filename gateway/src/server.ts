import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createDatabase, createLogger, StartupError, TYPICAL_MODEL, type Env, type Logger, type PhaseModel } from '@typedcluster/core';
import { readGatewayConfig, type GatewayConfig } from './config/read-gateway-config.js';
import type { GatewayDeps, GatewayVersion } from './http/gateway-deps.js';
import { buildGateway } from './http/build-gateway.js';
import { invokeFunction } from './http/invoke-function.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { systemClock, type Clock } from './runtime/clock.js';
import { definitionFromStack, type FunctionDefinition } from './runtime/function-definition.js';
import { BOOTSTRAP_PATH, buildSpawnSpec, defaultTsxUrl } from './runtime/spawn-spec.js';
import { createSupervisor, type ProcessSupervisor, type Supervisor } from './runtime/supervisor.js';
import { checkSecretsExist, createSecretMounts } from './runtime/function-secrets.js';
import { loadStack } from './stack/load-stack.js';
import type { Stack } from './stack/stack-types.js';
import { readConnectorConfig, type ConnectorConfig } from './mqtt/connector-config.js';
import { createMqttConnector, type MqttConnector } from './mqtt/connector.js';
import { connectInProcess, type EmbeddedBroker } from './mqtt/in-process-connect.js';
import { checkRoutes } from './mqtt/routes.js';
import { readRestConfig, type RestConfig } from './rest/rest-config.js';
import { readTcpListenerConfig, type TcpListenerConfig } from './tcp/tcp-config.js';
import { readDashboardConfig, type DashboardConfig } from './dashboard/dashboard-config.js';
import { createTcpListener, type TcpListener } from './tcp/tcp-listener.js';

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
  /**
   * The MQTT connector: its config, or false for none. Default: read from
   * `env` (MQTT_URL and friends; MQTT_URL unset = none).
   */
  readonly connector?: ConnectorConfig | false;
  /**
   * The broker at MQTT_URL when it runs in this process (`typedcluster up`'s
   * embedded one, its RunningBroker.handle): the connector then reaches it
   * over in-memory streams, not loopback TCP (TCP again while it takes none).
   */
  readonly embeddedBroker?: EmbeddedBroker;
  /**
   * The REST API under /api: its config, or false for none. Default: read
   * from `env` (DATABASE_URL or the database-url secret; docs/rest-api.md).
   */
  readonly rest?: RestConfig | false;
  /**
   * The TCP listener for devices (docs/wire-format.md §6.4): its config, or
   * false for none. Default: read from `env` (TCP_PORT unset = none).
   */
  readonly tcp?: TcpListenerConfig | false;
  /** The live dashboard (needs the database of `rest`): its config, or false for none. Default: from `env` (DASHBOARD_*). */
  readonly dashboard?: DashboardConfig | false;
  /** The phase model the platform loaded (the dashboard's expected bands); default the built-in TYPICAL_MODEL. */
  readonly phaseModel?: PhaseModel;
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
  /** The MQTT connector, when configured; started once the functions were. */
  readonly connector: MqttConnector | undefined;
  /** The TCP listener's port, when configured; it listens once the functions were started. */
  readonly tcp: { readonly port: number; readonly bindAddress: string; readonly tls: boolean } | undefined;
  /** Stops the connector, stops accepting, drains the async queue, stops every function (SIGTERM, then SIGKILL). */
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
  const connectorConfig = options.connector === false ? undefined : (options.connector ?? readConnectorConfig(env));
  if (connectorConfig) checkRoutes(defs, stack.file);
  const tcpConfig = options.tcp === false ? undefined : (options.tcp ?? readTcpListenerConfig(env));
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
  let connector: MqttConnector | undefined;
  const deps: GatewayDeps = {
    config,
    stack,
    // A deploy or remove through the API changes which functions have topics.
    supervisor: connectorConfig ? refreshingTopics(supervisor, () => connector?.refresh()) : supervisor,
    metrics,
    log,
    fetch: options.fetch ?? globalThis.fetch,
    clock,
    version: options.version ?? defaultVersion(env),
    ...restDeps(options.rest === false ? undefined : (options.rest ?? readRestConfig(env)), log),
    ...(options.dashboard === false ? {} : { dashboard: { config: options.dashboard ?? readDashboardConfig(env), model: options.phaseModel ?? TYPICAL_MODEL } }),
  };
  const app = buildGateway(deps);
  // The pool connects on first use; closing the app (every stop and failure path) ends it.
  const database = deps.database;
  if (database) app.addHook('onClose', () => database.close());

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

  if (connectorConfig) {
    connector = createMqttConnector({
      config: connectorConfig,
      functions: () => supervisor.list().map((s) => s.definition),
      invoke: (name, req) => invokeFunction(deps, name, req),
      registry: metrics.registry,
      log: log.child('mqtt'),
      clock,
      maxBodyBytes: config.maxBodyBytes,
      drainMs: config.shutdownTimeoutMs,
      ...(options.embeddedBroker ? { connect: connectInProcess(options.embeddedBroker) } : {}),
    });
    try {
      await connector.start();
    } catch (e) {
      await app.close().catch(() => undefined);
      await supervisor.stopAll();
      secretMounts.remove();
      throw e;
    }
  }

  let tcp: TcpListener | undefined;
  let tcpPort = 0;
  if (tcpConfig) {
    tcp = createTcpListener({
      config: tcpConfig,
      invoke: (name, req) => invokeFunction(deps, name, req),
      registry: metrics.registry,
      log: log.child('tcp'),
      clock,
      maxBodyBytes: config.maxBodyBytes,
      drainMs: config.shutdownTimeoutMs,
    });
    try {
      tcpPort = await tcp.start();
    } catch (e) {
      await connector?.stop();
      await app.close().catch(() => undefined);
      await supervisor.stopAll();
      secretMounts.remove();
      throw e;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    url: gatewayUrl,
    port,
    config,
    stack,
    app,
    supervisor,
    metrics,
    connector,
    tcp: tcpConfig ? { port: tcpPort, bindAddress: tcpConfig.bindAddress, tls: tcpConfig.tls !== undefined } : undefined,
    close: () =>
      (closing ??= (async () => {
        // Devices first: their open frames are answered while the functions still run.
        await tcp?.stop();
        await connector?.stop();
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

function refreshingTopics(supervisor: Supervisor, changed: () => void): Supervisor {
  return {
    ...supervisor,
    deploy: async (def) => {
      const r = await supervisor.deploy(def);
      changed();
      return r;
    },
    remove: async (name) => {
      const r = await supervisor.remove(name);
      changed();
      return r;
    },
  };
}

function restDeps(rest: RestConfig | undefined, log: Logger): Pick<GatewayDeps, 'database' | 'rest'> {
  if (!rest) return {};
  const database = createDatabase(rest.databaseUrl, { max: 10, log: log.child('database'), applicationName: 'typedcluster-gateway' });
  return rest.enabled ? { database, rest: { jwtSecret: rest.jwtSecret, anonRole: rest.anonRole } } : { database };
}

function defaultVersion(env: Env): GatewayVersion {
  const pkg = createRequire(import.meta.url)('../package.json') as { version?: string };
  return { release: pkg.version ?? 'dev', sha: env['GIT_SHA'] ?? 'unknown', commitMessage: '' };
}
