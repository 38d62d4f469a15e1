import assert from 'node:assert/strict';
import { createLogger } from '@typedcluster/core';
import { selectTfBackend, type BackendSwitch, type ModuleImporter } from './tf-backend.js';

const notInstalled = (specifier: string) => Object.assign(new Error(`Cannot find package '${specifier}'`), { code: 'ERR_MODULE_NOT_FOUND' });

/** An importer that "has" only the listed packages, recording what was tried. */
function importerWith(installed: string[], tried: string[]): ModuleImporter {
  return async (s) => {
    tried.push(s);
    if (!installed.includes(s)) throw notInstalled(s);
    return {};
  };
}

const switchAll: BackendSwitch = async () => true;

describe('TensorFlow.js backend selection', () => {
  it('prefers tfjs-node-gpu when installed', async () => {
    const tried: string[] = [];
    const c = await selectTfBackend({ importer: importerWith(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'], tried), switchTo: switchAll });
    assert.equal(c.name, 'tensorflow-gpu');
    assert.deepEqual(tried, ['@tensorflow/tfjs-node-gpu']);
  });

  it('falls back to tfjs-node, then wasm, saying why each was skipped', async () => {
    const node = await selectTfBackend({ importer: importerWith(['@tensorflow/tfjs-node'], []), switchTo: switchAll });
    assert.equal(node.name, 'tensorflow');
    assert.deepEqual(node.skipped, [{ name: 'tensorflow-gpu', reason: 'not installed' }]);

    const lines: string[] = [];
    const wasm = await selectTfBackend({ importer: importerWith(['@tensorflow/tfjs-backend-wasm'], []), switchTo: switchAll, log: createLogger('t', { sink: (l) => lines.push(l) }) });
    assert.equal(wasm.name, 'wasm');
    assert.deepEqual(wasm.skipped.map((s) => s.name), ['tensorflow-gpu', 'tensorflow']);
    assert.match(lines.join('\n'), /TensorFlow.js backend chosen backend=wasm/);
  });

  it('falls back to cpu when wasm fails to initialise, and to wasm when a native package throws', async () => {
    const cpu = await selectTfBackend({ importer: importerWith(['@tensorflow/tfjs-backend-wasm'], []), switchTo: async (n) => n === 'cpu' });
    assert.equal(cpu.name, 'cpu');
    assert.deepEqual(cpu.skipped.at(-1), { name: 'wasm', reason: 'failed to initialise' });

    const broken: ModuleImporter = async (s) => {
      if (s === '@tensorflow/tfjs-node-gpu') throw new Error('libcudart.so.11: cannot open shared object file');
      if (s === '@tensorflow/tfjs-node') throw notInstalled(s);
      return {};
    };
    const w = await selectTfBackend({ importer: broken, switchTo: switchAll });
    assert.equal(w.name, 'wasm');
    assert.match(w.skipped[0]!.reason, /libcudart/);
  });

  it('honours a preferred backend (TF_BACKEND) by skipping better ones', async () => {
    const tried: string[] = [];
    const c = await selectTfBackend({ importer: importerWith(['@tensorflow/tfjs-node-gpu'], tried), switchTo: switchAll, prefer: 'cpu' });
    assert.equal(c.name, 'cpu');
    assert.deepEqual(tried, []);
  });

  it('really starts a backend here (wasm or cpu: no native package is installed)', async () => {
    const c = await selectTfBackend();
    assert.ok(c.name === 'wasm' || c.name === 'cpu', c.name);
    // The wasm glue's process handlers are removed again.
    assert.equal(process.listeners('unhandledRejection').some((l) => String(l).includes('throw reason')), false);
  });
});
