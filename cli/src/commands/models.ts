import { createModelRegistry, type ModelInfo } from '@typedcluster/detectors';
import type { Command } from '../command.js';
import { withPlatform } from '../platform/with-platform.js';

/**
 * `typedcluster models list|activate`: the model registry (sql/004_model_registry.sql,
 * docs/training.md). detect-anomaly polls the active version (MODEL_POLL_INTERVAL)
 * and switches to it without a restart.
 */
export const modelsList: Command = {
  path: ['models', 'list'],
  summary: 'List the trained models in the registry, newest first per algorithm',
  usage: '[--detector NAME]',
  options: { detector: { type: 'string', description: 'only this algorithm (e.g. dense-autoencoder)' } },
  details: ['Examples:', '  typedcluster models list', '  typedcluster models list --detector lstm-autoencoder'],
  async run(values, _positionals, io) {
    const algorithm = typeof values['detector'] === 'string' ? values['detector'] : undefined;
    return withPlatform(io, async (p) => {
      const r = await createModelRegistry(p.database.db).list(algorithm);
      if (!r.ok) {
        io.err(`error ${r.error.code}: ${r.error.message}`);
        return 1;
      }
      if (r.value.length === 0) {
        io.out(algorithm ? `no ${algorithm} models; train one with "typedcluster train --detector ${algorithm} …"` : 'no models; train one with "typedcluster train"');
        return 0;
      }
      io.out(`${'DETECTOR'.padEnd(24)}${'VERSION'.padEnd(9)}${'ACTIVE'.padEnd(8)}${'CREATED'.padEnd(26)}METRICS`);
      for (const m of r.value) io.out(row(m));
      return 0;
    });
  },
};

const row = (m: ModelInfo): string =>
  `${m.algorithm.padEnd(24)}${String(m.version).padEnd(9)}${(m.active ? 'yes' : '').padEnd(8)}${m.createdAt.toISOString().padEnd(26)}${Object.entries(m.metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(4)}`)
    .join(' ')}`;

export const modelsActivate: Command = {
  path: ['models', 'activate'],
  summary: 'Make a trained model version the active one of its detector; detect-anomaly switches to it within MODEL_POLL_INTERVAL',
  usage: '<detector> <version>',
  options: {},
  details: ['Example:', '  typedcluster models activate dense-autoencoder 3'],
  async run(_values, positionals, io) {
    const [algorithm, v] = positionals;
    const version = Number(v);
    if (!algorithm || !Number.isInteger(version) || version < 1) {
      io.err('error: give the detector and the version, e.g. "typedcluster models activate dense-autoencoder 3" (see "typedcluster models list")');
      return 2;
    }
    return withPlatform(io, async (p) => {
      const r = await createModelRegistry(p.database.db).activate(algorithm, version);
      if (!r.ok) {
        io.err(`error ${r.error.code}: ${r.error.message}`);
        return 1;
      }
      io.out(`${r.value.algorithm} v${r.value.version} is active`);
      return 0;
    });
  },
};
