import { parseDurationMs } from '@typedcluster/core';
import { memoryToMiB } from '../stack/memory-quantity.js';
import type { FunctionResources, StackFunction } from '../stack/stack-types.js';

/** Everything needed to run one function and to describe it through the API. */
export interface FunctionDefinition {
  readonly name: string;
  readonly image: string;
  /** Absolute path the bootstrap loads as HANDLER_PATH. */
  readonly handlerPath: string;
  readonly handlerDir: string;
  /** The function's own environment (stack.yml or the deploy request); shown by describe. */
  readonly envVars: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: FunctionResources;
  readonly requests?: FunctionResources;
  readonly execTimeoutMs: number;
  /** `--max-old-space-size`, from limits.memory. */
  readonly memoryMiB?: number;
}

/** The pieces of a faas-provider FunctionDeployment a deploy request may carry. */
export interface DeploymentOverrides {
  readonly image?: string;
  readonly envVars?: Readonly<Record<string, string>>;
  readonly secrets?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly limits?: FunctionResources;
  readonly requests?: FunctionResources;
}

export function execTimeoutOf(env: Readonly<Record<string, string>>, fallbackMs: number): number {
  const raw = env['exec_timeout'];
  const ms = raw === undefined ? undefined : parseDurationMs(raw);
  return ms !== undefined && ms > 0 ? ms : fallbackMs;
}

export function definitionFromStack(fn: StackFunction, defaultExecTimeoutMs: number): FunctionDefinition {
  return withResources({
    name: fn.name,
    image: fn.image,
    handlerPath: fn.handlerPath,
    handlerDir: fn.handlerDir,
    envVars: fn.environment,
    secrets: fn.secrets,
    labels: fn.labels,
    annotations: fn.annotations,
    execTimeoutMs: execTimeoutOf(fn.environment, defaultExecTimeoutMs),
    ...(fn.limits ? { limits: fn.limits } : {}),
    ...(fn.requests ? { requests: fn.requests } : {}),
  });
}

/**
 * A deploy request runs a handler known from stack.yml under the requested
 * name; what the request carries replaces the stack's values, as a
 * faas-provider deployment replaces the previous one.
 */
export function definitionFromDeployment(name: string, base: StackFunction, d: DeploymentOverrides, defaultExecTimeoutMs: number): FunctionDefinition {
  const envVars = d.envVars ?? base.environment;
  const limits = d.limits ?? base.limits;
  const requests = d.requests ?? base.requests;
  return withResources({
    name,
    image: d.image || base.image,
    handlerPath: base.handlerPath,
    handlerDir: base.handlerDir,
    envVars,
    secrets: d.secrets ?? base.secrets,
    labels: d.labels ?? base.labels,
    annotations: d.annotations ?? base.annotations,
    execTimeoutMs: execTimeoutOf(envVars, defaultExecTimeoutMs),
    ...(limits ? { limits } : {}),
    ...(requests ? { requests } : {}),
  });
}

function withResources(def: Omit<FunctionDefinition, 'memoryMiB'>): FunctionDefinition {
  const mib = def.limits?.memory === undefined ? undefined : memoryToMiB(def.limits.memory);
  return mib === undefined ? def : { ...def, memoryMiB: mib };
}
