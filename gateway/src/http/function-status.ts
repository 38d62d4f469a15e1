import type { FunctionSnapshot } from '../runtime/supervisor.js';
import { envProcessOf } from '../runtime/spawn-spec.js';
import type { FunctionResources } from '../stack/stack-types.js';
import { NAMESPACE } from './invoke-function.js';

/** faas-provider's FunctionStatus, field for field (faas-cli list/describe parse it). */
export interface FunctionStatus {
  readonly name: string;
  readonly image: string;
  readonly namespace: string;
  readonly envProcess: string;
  readonly envVars: Readonly<Record<string, string>>;
  readonly constraints: readonly string[];
  readonly secrets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: FunctionResources;
  readonly requests?: FunctionResources;
  readonly readOnlyRootFilesystem: boolean;
  readonly invocationCount: number;
  readonly replicas: number;
  readonly availableReplicas: number;
  /** RFC 3339, as Go's time.Time reads it. */
  readonly createdAt: string;
  readonly usage?: { readonly totalMemoryBytes: number };
}

export function toFunctionStatus(s: FunctionSnapshot, invocationCount: number, rssBytes: number | undefined): FunctionStatus {
  const d = s.definition;
  return {
    name: d.name,
    image: d.image,
    namespace: NAMESPACE,
    envProcess: envProcessOf(d),
    envVars: d.envVars,
    constraints: [],
    secrets: d.secrets,
    labels: d.labels,
    annotations: d.annotations,
    ...(d.limits ? { limits: d.limits } : {}),
    ...(d.requests ? { requests: d.requests } : {}),
    readOnlyRootFilesystem: false,
    invocationCount,
    replicas: s.replicas,
    availableReplicas: s.availableReplicas,
    createdAt: new Date(s.createdAt).toISOString(),
    ...(rssBytes === undefined ? {} : { usage: { totalMemoryBytes: rssBytes } }),
  };
}

const ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'arm64', arm: 'armhf' };

/** The gateway's /system/info (GatewayInfo with the provider's ProviderInfo inside). */
export function gatewayInfo(version: { release: string; sha: string; commitMessage?: string }, arch: string = process.arch) {
  return {
    provider: { provider: 'typedcluster-gateway', orchestration: 'process', version: { release: version.release, sha: version.sha } },
    version: { release: version.release, sha: version.sha, commit_message: version.commitMessage ?? '' },
    arch: ARCH[arch] ?? arch,
  };
}
