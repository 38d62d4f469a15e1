import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * What the real faas-cli is and does as a client of our gateway: where to
 * find the binary, how to run it without touching ~/.openfaas, and the Go
 * types it decodes the gateway's answers into (faas-provider types,
 * faas/gateway types), so a test can check an answer the way
 * encoding/json would.
 */

export type FaasCliLookup = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

/** scripts/ensure-faas-cli.sh (honours FAAS_CLI=…); the reason is its first stderr line. Run before any gateway starts: it blocks. */
export function locateFaasCli(repoRoot: string): FaasCliLookup {
  const r = spawnSync('bash', [join(repoRoot, 'scripts/ensure-faas-cli.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status === 0) return { ok: true, path: r.stdout.trim().split('\n').pop() ?? '' };
  const lines = (r.stderr ?? '').trim().split('\n').filter((l) => !l.includes('building github.com/openfaas'));
  return { ok: false, reason: lines[0] ?? `ensure-faas-cli.sh exited ${r.status}` };
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs faas-cli asynchronously (the gateway under test lives in this
 * process, so spawnSync would deadlock it). `home` becomes HOME and
 * OPENFAAS_CONFIG (faas-cli config/config_file.go: the override of
 * ~/.openfaas), and the cwd, so no stack.yml is picked up by accident.
 */
export function runFaasCli(bin: string, args: readonly string[], opts: { home: string; input?: Uint8Array | string; timeoutMs?: number }): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: opts.home,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: opts.home, OPENFAAS_CONFIG: join(opts.home, '.openfaas') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** faas-cli commands/invoke.go sets this User-Agent on every invocation. */
export const FAAS_CLI_USER_AGENT = 'faas-cli/0.17.0 (openfaas; linux; amd64)';

// ---- The Go side: types faas-cli unmarshals into, and encoding/json's rules for them ----

export type GoType =
  | 'string'
  | 'bool'
  | 'float64'
  | 'uint64'
  | 'time.Time'
  | { readonly map: 'string' }
  | { readonly slice: 'string' }
  | { readonly ptr: GoStruct }
  | GoStruct;

export interface GoStruct {
  readonly struct: string;
  readonly fields: Readonly<Record<string, GoType>>;
}

/** Go's time.Time.UnmarshalJSON: an RFC 3339 string (fraction optional). */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const isRfc3339 = (s: string): boolean => {
  const m = RFC3339.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31 && Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
};

/**
 * The errors json.Unmarshal would return for `value` into `type` (empty:
 * it decodes). As Go: null is accepted for every type and unknown fields
 * are ignored; a number into uint64 must be a non-negative integer.
 */
export function goDecodeErrors(value: unknown, type: GoType, path = '$'): string[] {
  if (value === null) return [];
  const wrong = (want: string) => [`${path}: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} ${JSON.stringify(value)?.slice(0, 60)} into Go ${want}`];
  if (type === 'string') return typeof value === 'string' ? [] : wrong('string');
  if (type === 'bool') return typeof value === 'boolean' ? [] : wrong('bool');
  if (type === 'float64') return typeof value === 'number' ? [] : wrong('float64');
  if (type === 'uint64') return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? [] : wrong('uint64');
  if (type === 'time.Time') return typeof value === 'string' && isRfc3339(value) ? [] : wrong('time.Time (RFC 3339)');
  if ('ptr' in type) return goDecodeErrors(value, type.ptr, path);
  if ('map' in type) {
    if (typeof value !== 'object' || Array.isArray(value)) return wrong('map[string]string');
    return Object.entries(value).flatMap(([k, v]) => goDecodeErrors(v, 'string', `${path}.${k}`));
  }
  if ('slice' in type) {
    if (!Array.isArray(value)) return wrong('[]string');
    return value.flatMap((v, i) => goDecodeErrors(v, type.slice, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || Array.isArray(value)) return wrong(type.struct);
  const obj = value as Record<string, unknown>;
  return Object.entries(type.fields).flatMap(([k, t]) => (k in obj ? goDecodeErrors(obj[k], t, `${path}.${k}`) : []));
}

/** faas-provider types.FunctionResources */
const FUNCTION_RESOURCES: GoStruct = { struct: 'types.FunctionResources', fields: { memory: 'string', cpu: 'string' } };

/** faas-provider types/function_status.go FunctionStatus (what list and describe decode). */
export const FUNCTION_STATUS: GoStruct = {
  struct: 'types.FunctionStatus',
  fields: {
    name: 'string',
    image: 'string',
    namespace: 'string',
    envProcess: 'string',
    envVars: { map: 'string' },
    constraints: { slice: 'string' },
    secrets: { slice: 'string' },
    // *map[string]string in Go: decoded by the same rules as the map.
    labels: { map: 'string' },
    annotations: { map: 'string' },
    limits: { ptr: FUNCTION_RESOURCES },
    requests: { ptr: FUNCTION_RESOURCES },
    readOnlyRootFilesystem: 'bool',
    invocationCount: 'float64',
    replicas: 'uint64',
    availableReplicas: 'uint64',
    createdAt: 'time.Time',
    usage: { ptr: { struct: 'types.FunctionUsage', fields: { cpu: 'float64', totalMemoryBytes: 'float64' } } },
  },
};

/** faas-provider types.VersionInfo */
const VERSION_INFO: GoStruct = { struct: 'types.VersionInfo', fields: { commit_message: 'string', sha: 'string', release: 'string' } };

/** faas/gateway types.GatewayInfo with faas-provider types.ProviderInfo (faas-cli proxy/version.go GetSystemInfo). */
export const GATEWAY_INFO: GoStruct = {
  struct: 'types.GatewayInfo',
  fields: {
    provider: { ptr: { struct: 'types.ProviderInfo', fields: { provider: 'string', version: { ptr: VERSION_INFO }, orchestration: 'string' } } },
    version: { ptr: VERSION_INFO },
    arch: 'string',
  },
};
