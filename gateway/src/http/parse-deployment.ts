import { fail, ok, type Result } from '@typedcluster/core';
import type { DeploymentOverrides } from '../runtime/function-definition.js';
import { memoryToMiB, MIN_MEMORY_MIB } from '../stack/memory-quantity.js';
import type { FunctionResources, Stack, StackFunction } from '../stack/stack-types.js';

/** Label naming the stack.yml function (or its handler path) a deployment runs. */
export const HANDLER_LABEL = 'com.typedcluster.handler';

export interface DeploymentRequest extends DeploymentOverrides {
  readonly service: string;
  readonly namespace?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseJsonBody(body: unknown): Result<unknown> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') return fail('BAD_REQUEST', 'the request body is empty; send JSON');
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (e) {
    return fail('BAD_REQUEST', `the request body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** A faas-provider FunctionDeployment, checked field by field. */
export function parseDeployment(v: unknown): Result<DeploymentRequest> {
  if (!isObj(v)) return fail('BAD_REQUEST', 'the deployment must be a JSON object like {"service":"name","image":"…"}');
  const service = v['service'];
  if (typeof service !== 'string' || !NAME.test(service)) return fail('BAD_REQUEST', 'service must be a lower-case name of letters, digits and "-"', 'service');
  const out: { -readonly [K in keyof DeploymentRequest]: DeploymentRequest[K] } = { service };
  for (const k of ['image', 'namespace'] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'string') return fail('BAD_REQUEST', `${k} must be a string`, k);
    out[k] = x;
  }
  for (const k of ['envVars', 'labels', 'annotations'] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (!isObj(x) || Object.values(x).some((s) => typeof s !== 'string')) return fail('BAD_REQUEST', `${k} must map names to strings`, k);
    out[k] = x as Record<string, string>;
  }
  if (v['secrets'] !== undefined && v['secrets'] !== null) {
    const s = v['secrets'];
    if (!Array.isArray(s) || s.some((x) => typeof x !== 'string')) return fail('BAD_REQUEST', 'secrets must be a list of names', 'secrets');
    out.secrets = s as string[];
  }
  for (const k of ['limits', 'requests'] as const) {
    const r = resources(v[k], k);
    if (!r.ok) return r;
    if (r.value) out[k] = r.value;
  }
  return ok(out);
}

function resources(v: unknown, at: string): Result<FunctionResources | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  if (!isObj(v)) return fail('BAD_REQUEST', `${at} must be {"memory":"128Mi","cpu":"100m"}`, at);
  const memory = v['memory'];
  const cpu = v['cpu'];
  if ((memory !== undefined && typeof memory !== 'string') || (cpu !== undefined && typeof cpu !== 'string')) {
    return fail('BAD_REQUEST', `${at}.memory and ${at}.cpu must be strings`, at);
  }
  if (at === 'limits' && memory) {
    const mib = memoryToMiB(memory);
    if (mib === undefined || mib < MIN_MEMORY_MIB) return fail('BAD_REQUEST', `limits.memory "${memory}" must be a quantity of at least ${MIN_MEMORY_MIB}Mi`, 'limits.memory');
  }
  return ok({ ...(memory ? { memory } : {}), ...(cpu ? { cpu } : {}) });
}

/** The stack.yml function whose handler a deployment runs: by label, else by service name. */
export function findHandler(stack: Stack, d: DeploymentRequest): Result<StackFunction> {
  const wanted = d.labels?.[HANDLER_LABEL];
  const match = wanted
    ? stack.functions.find((f) => f.name === wanted || f.handler === wanted || f.handlerDir === wanted)
    : stack.functions.find((f) => f.name === d.service);
  if (match) return ok(match);
  const known = stack.functions.map((f) => f.name).join(', ');
  return fail(
    'BAD_REQUEST',
    wanted
      ? `label ${HANDLER_LABEL}=${wanted} names no function in ${stack.file} (known: ${known})`
      : `"${d.service}" is not a function in ${stack.file} (known: ${known}); this gateway runs only handlers from its stack.yml — add it there and restart, or set the label ${HANDLER_LABEL}=<function in stack.yml>`,
    'service',
  );
}
