import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@typedcluster/core';

/**
 * Picks the TensorFlow.js backend once per process, best first:
 * `tfjs-node-gpu` (CUDA, the Jetsons), then `tfjs-node` (native CPU), then
 * wasm, then the pure-JS cpu backend. The native packages download binaries
 * at install, so they are optional: loaded by dynamic import only where
 * they are installed. The choice is logged and shown in `/system/info`.
 */
// PROD silences tfjs's console banner ("install tfjs-node"), which would
// break the CLI's output and the benchmark's last-line JSON; our log says
// which backend runs instead.
tf.env().set('PROD', true);

export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfBackendChoice {
  /** What we chose, e.g. "wasm"; `tensorflow-gpu` and `tensorflow` are the native bindings. */
  readonly name: TfBackendName;
  /** tf.getBackend() after the switch ("tensorflow" for both native packages). */
  readonly tfBackend: string;
  /** Why each better candidate was skipped, best first. */
  readonly skipped: readonly { readonly name: TfBackendName; readonly reason: string }[];
}

/** Dynamic import, injected so tests can pretend a package is (not) installed. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface Candidate {
  readonly name: TfBackendName;
  /** Module that registers the backend when imported; none for the built-in cpu backend. */
  readonly module?: string;
  /** Name tf knows the backend by once registered. */
  readonly tfName: string;
}

export const BACKEND_ORDER: readonly Candidate[] = [
  { name: 'tensorflow-gpu', module: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  { name: 'tensorflow', module: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  { name: 'wasm', module: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  { name: 'cpu', tfName: 'cpu' },
];

/** How a candidate is switched to; injected in tests (no native package exists here). */
export type BackendSwitch = (tfName: string) => Promise<boolean>;

const realSwitch: BackendSwitch = async (tfName) => {
  // Emscripten's wasm glue adds process handlers that rethrow every uncaught
  // error and rejection when it starts; a server must keep its own handling.
  const before = { ex: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') };
  try {
    return (await tf.setBackend(tfName)) && tf.getBackend() === tfName;
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.ex.includes(l)) process.off('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rej.includes(l)) process.off('unhandledRejection', l);
  }
};

export interface SelectBackendOptions {
  readonly importer?: ModuleImporter;
  readonly switchTo?: BackendSwitch;
  /** Skip candidates better than this one (e.g. "cpu" for reproducible benchmarks). */
  readonly prefer?: TfBackendName;
  readonly log?: Logger;
}

export async function selectTfBackend(opts: SelectBackendOptions = {}): Promise<TfBackendChoice> {
  const importer = opts.importer ?? ((s: string) => import(s));
  const switchTo = opts.switchTo ?? realSwitch;
  const skipped: { name: TfBackendName; reason: string }[] = [];
  const start = opts.prefer ? BACKEND_ORDER.findIndex((c) => c.name === opts.prefer) : 0;
  for (const [i, c] of BACKEND_ORDER.entries()) {
    if (i < start) {
      skipped.push({ name: c.name, reason: `TF_BACKEND=${opts.prefer}` });
      continue;
    }
    try {
      if (c.module) await importer(c.module);
      if (!(await switchTo(c.tfName))) {
        skipped.push({ name: c.name, reason: 'failed to initialise' });
        continue;
      }
      const choice: TfBackendChoice = { name: c.name, tfBackend: c.tfName, skipped };
      opts.log?.info('TensorFlow.js backend chosen', { backend: c.name, skipped: skipped.map((s) => `${s.name} (${s.reason})`).join(', ') || undefined });
      return choice;
    } catch (e) {
      const code = (e as { code?: string }).code;
      const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
      skipped.push({ name: c.name, reason: missing ? 'not installed' : e instanceof Error ? e.message : String(e) });
    }
  }
  // The cpu backend is built into tfjs; reaching here means tfjs itself is broken.
  throw new Error(`no TensorFlow.js backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

let chosen: Promise<TfBackendChoice> | undefined;

/** The process-wide backend, selected on first use; every detector awaits this before touching tf. */
export function useTfBackend(opts: SelectBackendOptions = {}): Promise<TfBackendChoice> {
  chosen ??= selectTfBackend(opts).catch((e: unknown) => {
    chosen = undefined;
    throw e;
  });
  return chosen;
}

/** The choice made so far, or undefined before any detector needed tf (for `/system/info`). */
export async function currentTfBackend(): Promise<TfBackendChoice | undefined> {
  return chosen?.catch(() => undefined);
}
