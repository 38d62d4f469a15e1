import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseDurationMs, StartupError, type Env } from '@typedcluster/core';
import { memoryToMiB, MIN_MEMORY_MIB } from './memory-quantity.js';
import { RUNNABLE_LANG, type FunctionResources, type Stack, type StackFunction } from './stack-types.js';
import { substituteEnv } from './substitute-env.js';

/** File access, injected so validation can be tested without a disk. */
export interface StackIo {
  readFile(path: string): string | undefined;
  exists(path: string): boolean;
}

const nodeIo: StackIo = {
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  exists: existsSync,
};

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads, substitutes `${VAR}` and validates a stack file; errors name the function and field. */
export function loadStack(file: string, env: Env = process.env, io: StackIo = nodeIo): Stack {
  const abs = resolve(file);
  const text = io.readFile(abs);
  if (text === undefined) {
    throw new StartupError('CONFIG_MISSING', `stack file ${abs} not found`, 'set STACK_FILE to your stack.yml or run from the folder that holds it');
  }
  return parseStack(text, abs, env, io);
}

export function parseStack(text: string, file: string, env: Env, io: StackIo = nodeIo): Stack {
  const bad = (at: string, what: string, hint = 'fix stack.yml (see faas-cli\'s stack.yml reference)'): never => {
    throw new StartupError('STACK_INVALID', `${file}: ${at}: ${what}`, hint);
  };
  let doc: unknown;
  try {
    doc = parseYaml(substituteEnv(text, env));
  } catch (e) {
    bad('yaml', e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
  if (!isObj(doc)) return bad('(top)', 'not a YAML mapping');
  const version = scalar(doc['version']);
  if (version !== '1.0') bad('version', `${JSON.stringify(doc['version'])} is not supported`, 'set version: 1.0');
  const provider = doc['provider'];
  if (!isObj(provider) || provider['name'] !== 'openfaas') bad('provider.name', 'must be openfaas', 'add provider: {name: openfaas, gateway: http://127.0.0.1:8080}');
  const gateway = optionalString((provider as Obj)['gateway'], 'provider.gateway', bad);
  const fns = doc['functions'];
  if (!isObj(fns) || Object.keys(fns).length === 0) return bad('functions', 'no functions defined');
  const dir = dirname(file);
  const functions = Object.entries(fns).map(([name, raw]) => parseFunction(name, raw, dir, io, bad));
  const configuration = doc['configuration'];
  const copy = isObj(configuration) ? stringList(configuration['copy'], 'configuration.copy', bad) : [];
  return { file, version: '1.0', provider: gateway === undefined ? { name: 'openfaas' } : { name: 'openfaas', gateway }, functions, configuration: { copy } };
}

type Bad = (at: string, what: string, hint?: string) => never;

function parseFunction(name: string, raw: unknown, dir: string, io: StackIo, bad: Bad): StackFunction {
  const at = `functions.${name}`;
  if (!NAME.test(name)) bad(at, 'function names are lower-case letters, digits and "-" (at most 63)');
  if (!isObj(raw)) return bad(at, 'must be a mapping');
  const lang = requiredString(raw['lang'], `${at}.lang`, bad);
  if (lang !== RUNNABLE_LANG) {
    throw new StartupError('UNKNOWN_LANG', `${at}.lang: "${lang}" cannot run on the one-box gateway`, `use lang: ${RUNNABLE_LANG} or run it on faasd`);
  }
  const handler = requiredString(raw['handler'], `${at}.handler`, bad);
  const handlerDir = resolve(dir, handler);
  const handlerPath = [join(handlerDir, 'handler.ts'), join(handlerDir, 'handler.js')].find((p) => io.exists(p));
  if (handlerPath === undefined) bad(`${at}.handler`, `no handler.ts or handler.js in ${handlerDir}`, 'point handler at the function\'s folder, e.g. handler: ./functions/' + name);
  const fileEnv: Record<string, string> = {};
  for (const [i, f] of stringList(raw['environment_file'], `${at}.environment_file`, bad).entries()) {
    Object.assign(fileEnv, readEnvironmentFile(resolve(dir, f), `${at}.environment_file[${i}]`, io, bad));
  }
  const environment = { ...stringMap(raw['environment'], `${at}.environment`, bad), ...fileEnv };
  const timeout = environment['exec_timeout'];
  if (timeout !== undefined && !(parseDurationMs(timeout)! > 0)) bad(`${at}.environment.exec_timeout`, `"${timeout}" is not a duration`, 'use a value like 10s or 500ms');
  const limits = resources(raw['limits'], `${at}.limits`, bad);
  if (limits?.memory !== undefined) {
    const mib = memoryToMiB(limits.memory);
    if (mib === undefined) bad(`${at}.limits.memory`, `"${limits.memory}" is not a memory quantity`, 'use a value like 128Mi or 1Gi');
    if (mib! < MIN_MEMORY_MIB) bad(`${at}.limits.memory`, `${limits.memory} is below ${MIN_MEMORY_MIB}Mi`, `give the function at least ${MIN_MEMORY_MIB}Mi`);
  }
  const requests = resources(raw['requests'], `${at}.requests`, bad);
  return {
    name,
    lang,
    handler,
    handlerDir,
    handlerPath: handlerPath!,
    image: optionalString(raw['image'], `${at}.image`, bad) ?? `${name}:latest`,
    environment,
    secrets: stringList(raw['secrets'], `${at}.secrets`, bad),
    labels: stringMap(raw['labels'], `${at}.labels`, bad),
    annotations: stringMap(raw['annotations'], `${at}.annotations`, bad),
    ...(limits === undefined ? {} : { limits }),
    ...(requests === undefined ? {} : { requests }),
    buildArgs: stringMap(raw['build_args'], `${at}.build_args`, bad),
  };
}

function readEnvironmentFile(path: string, at: string, io: StackIo, bad: Bad): Record<string, string> {
  const text = io.readFile(path);
  if (text === undefined) return bad(at, `${path} not found`, 'create the file or remove it from environment_file');
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    return bad(at, `${path}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  if (!isObj(doc)) return bad(at, `${path} must hold "environment:" with a mapping`);
  return stringMap(doc['environment'], `${at} (${path}) environment`, bad);
}

function resources(v: unknown, at: string, bad: Bad): FunctionResources | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) return bad(at, 'must be a mapping with memory and/or cpu');
  const memory = optionalString(v['memory'], `${at}.memory`, bad);
  const cpu = optionalString(v['cpu'], `${at}.cpu`, bad);
  return { ...(memory === undefined ? {} : { memory }), ...(cpu === undefined ? {} : { cpu }) };
}

const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? (Number.isInteger(v) ? v.toFixed(1) : String(v)) : undefined;

function requiredString(v: unknown, at: string, bad: Bad): string {
  if (typeof v !== 'string' || v.trim() === '') return bad(at, 'is required and must be a string');
  return v;
}

function optionalString(v: unknown, at: string, bad: Bad): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return bad(at, 'must be a string');
}

function stringList(v: unknown, at: string, bad: Bad): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return bad(at, 'must be a list of strings');
  return v as string[];
}

function stringMap(v: unknown, at: string, bad: Bad): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) return bad(at, 'must be a mapping of names to values');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) out[k] = '';
    else if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
    else bad(`${at}.${k}`, 'must be a string, number or boolean');
  }
  return out;
}
