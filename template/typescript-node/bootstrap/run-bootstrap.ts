import { createLocalFetch, createLogger, readSecret, StartupError, type Env, type FunctionRuntime, type Logger } from '@typedcluster/core';
import { createFunctionServer } from './function-server.js';
import { loadFunctionModule } from './load-function-module.js';
import { readBootstrapConfig, type BootstrapConfig } from './read-bootstrap-config.js';

/** Sent over the IPC channel once the server listens (the gateway waits for it). */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly port: number;
}

export interface BootstrapOptions {
  readonly env: Env;
  /** Folder of index.ts: the default handler is `<here>/function/handler.{js,ts}`. */
  readonly here: string;
}

/**
 * Loads the function module, calls setup() once, serves the handler, and
 * on SIGTERM/SIGINT (or when the gateway's IPC channel closes) stops
 * accepting, drains, calls teardown() and exits 0. A start-up failure is
 * one line on stderr and exit 1.
 */
export async function runBootstrap(opts: BootstrapOptions): Promise<void> {
  let log: Logger = createLogger('bootstrap');
  try {
    const config = readBootstrapConfig(opts.env, opts.here);
    log = createLogger(config.functionName);
    await serve(config, opts.env, log);
  } catch (e) {
    const line = e instanceof StartupError ? e.toLine() : `error SETUP_FAILED: setup() failed: ${e instanceof Error ? e.message : String(e)} — fix the function's configuration; see the lines above`;
    log.error(line);
    process.exit(1);
  }
}

async function serve(config: BootstrapConfig, env: Env, log: Logger): Promise<void> {
  const mod = await loadFunctionModule(config.handlerPath);
  const secretEnv: Env = { ...env, SECRETS_DIR: config.secretsDir };
  const runtime: FunctionRuntime = {
    name: config.functionName,
    env,
    log,
    // node:http for plain-http calls (the gateway), the platform's fetch for the rest.
    fetch: createLocalFetch(),
    now: Date.now,
    readSecret: (name) => readSecret(secretEnv, name),
    gatewayUrl: config.gatewayUrl,
  };
  const deps = await mod.setup(runtime);
  const server = createFunctionServer({ handler: mod.createHandler(deps), maxBodyBytes: config.maxBodyBytes, log, info: () => mod.info?.(deps) ?? {} });
  const port = await server.listen(config.port, config.bindAddress).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'EADDRINUSE'
      ? new StartupError('PORT_IN_USE', `port ${config.port} is already in use`, 'set PORT or stop the other process')
      : e;
  });
  const ready: ReadyMessage = { type: 'ready', port };
  // Under the gateway the parent logs readiness (with pid and start time).
  if (process.send) process.send(ready);
  else log.info('ready', { port, handler: config.handlerPath });

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { why, inFlight: server.inFlight() });
    const drained = await server.drain(config.drainTimeoutMs);
    if (!drained) log.warn('drain timed out; tearing down with requests in flight', { inFlight: server.inFlight() });
    try {
      await mod.teardown?.(deps);
    } catch (e) {
      log.error('teardown failed', { error: e instanceof Error ? e.message : String(e) });
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // The gateway went away without stopping us: do not linger as an orphan.
  if (process.send) process.once('disconnect', () => void stop('gateway disconnected'));
}
