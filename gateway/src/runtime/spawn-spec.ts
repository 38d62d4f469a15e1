import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionDefinition } from './function-definition.js';

/** What `child_process.spawn` gets for one function. */
export interface SpawnSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface SpawnContext {
  /** template/typescript-node/index.ts */
  readonly bootstrapPath: string;
  /** URL of tsx's loader, for `--import`. */
  readonly tsxUrl: string;
  /** This gateway, as the functions should call it. */
  readonly gatewayUrl: string;
  readonly secretsDir: string;
  readonly maxBodyBytes: number;
  /** The gateway's SHUTDOWN_TIMEOUT: the bootstrap drains for 80% of it, leaving time for teardown(). */
  readonly shutdownTimeoutMs: number;
  /** Added to every function's env (e.g. DATABASE_URL from the CLI). */
  readonly functionEnv: Readonly<Record<string, string>>;
  /** The gateway's own environment; only BASE_ENV names pass through. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  readonly execPath: string;
}

/** Host variables a node process needs; nothing else of the gateway's env leaks into functions. */
export const BASE_ENV = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'LANG', 'LC_ALL', 'NODE_ENV', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'];

export const BOOTSTRAP_PATH = fileURLToPath(new URL('../../../template/typescript-node/index.ts', import.meta.url));

/** tsx's loader as this repository installs it (works under ESM and mocha's CJS transform alike). */
export const defaultTsxUrl = (): string => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * `node --conditions=typescript --import tsx [--max-old-space-size=N] index.ts`
 * with env = host basics + the function's env + functionEnv + what the
 * gateway provides (those win).
 */
export function buildSpawnSpec(def: FunctionDefinition, ctx: SpawnContext): SpawnSpec {
  const base: Record<string, string> = {};
  for (const k of BASE_ENV) {
    const v = ctx.hostEnv[k];
    if (v !== undefined) base[k] = v;
  }
  const args = ['--conditions=typescript', '--import', ctx.tsxUrl];
  if (def.memoryMiB !== undefined) args.push(`--max-old-space-size=${def.memoryMiB}`);
  args.push(ctx.bootstrapPath);
  return {
    command: ctx.execPath,
    args,
    cwd: def.handlerDir,
    env: {
      ...base,
      ...def.envVars,
      ...ctx.functionEnv,
      FUNCTION_NAME: def.name,
      HANDLER_PATH: def.handlerPath,
      PORT: '0',
      BIND_ADDRESS: '127.0.0.1',
      SECRETS_DIR: ctx.secretsDir,
      GATEWAY_URL: ctx.gatewayUrl,
      MAX_BODY_BYTES: String(ctx.maxBodyBytes),
      DRAIN_TIMEOUT: `${Math.max(100, Math.floor(ctx.shutdownTimeoutMs * 0.8))}ms`,
    },
  };
}

/** How describe shows the process (faas-provider `envProcess`). */
export const envProcessOf = (def: FunctionDefinition): string =>
  `node --conditions=typescript --import tsx${def.memoryMiB === undefined ? '' : ` --max-old-space-size=${def.memoryMiB}`} template/typescript-node/index.ts`;
