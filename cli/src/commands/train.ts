import { detectorNames } from '@typedcluster/detectors';
import type { Command } from '../command.js';
import { runTrain } from '../train/run-train.js';

export const train: Command = {
  path: ['train'],
  summary: 'Train a detector on normal data (a data set folder or the database) and save it to the model registry',
  usage: '--detector NAME (--from-dir DIR | --from-db [--plcs 1,2] [--from DATE] [--to DATE]) [--activate] [--seed N] [--epochs N]',
  options: {
    detector: { type: 'string', description: `one of ${detectorNames().join(', ')}; <name>~N smooths its score over the last N samples` },
    'from-dir': { type: 'string', description: 'a folder of serie_temporal_*.json files ("typedcluster sim historical"); rows labelled anomaly 1 are left out' },
    'from-db': { type: 'boolean', description: 'the cycle_phases rows in the database, less the cycles detect-anomaly reported' },
    plcs: { type: 'string', description: 'with --from-db: only these PLC ids, comma-separated (default every PLC with cycles)' },
    from: { type: 'string', description: 'with --from-db: first cycle start, a date (2026-01-01) or an ISO time with a zone' },
    to: { type: 'string', description: 'with --from-db: end of the range, exclusive' },
    activate: { type: 'boolean', description: 'make the new version the active one; detect-anomaly switches to it within MODEL_POLL_INTERVAL' },
    seed: { type: 'string', default: '1', description: 'seed of randomised detectors (isolation forest, network initialisation and shuffle)' },
    epochs: { type: 'string', description: 'autoencoders only: most training epochs (early stopping on validation loss may stop sooner)' },
  },
  details: [
    'One stream per PLC in time order; normalisation per phase and sensor, the threshold calibrated on the',
    'held-back tail of each stream (docs/training.md). Needs DATABASE_URL, or the embedded PostgreSQL of',
    'TYPEDCLUSTER_HOME (started here when "typedcluster up" is not running). A progress bar goes to stderr;',
    'the last line of stdout is JSON: detector, version, active, samples, threshold, plcs, rows_read, … .',
    '',
    'Examples:',
    '  typedcluster train --detector dense-autoencoder --from-dir data --activate',
    '  typedcluster train --detector lstm-autoencoder --from-db --plcs 1,2,3 --from 2026-01-01 --to 2026-01-08 --epochs 20',
    '  typedcluster train --detector isolation-forest --from-db --seed 7',
  ],
  run: async (values, _positionals, io) => runTrain(values, io),
};
