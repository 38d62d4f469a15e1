import { RECOMMENDED, detectorNames } from '@typedcluster/detectors';
import type { Command } from '../command.js';
import { runEval } from '../eval/run-eval.js';

export const evalCommand: Command = {
  path: ['eval'],
  summary: 'Score a detector on a labelled data set (SKAB or the simulator\'s): precision, recall, F1, FAR, MAR, ROC-AUC',
  usage: '--dataset skab|sim --dir DIR [--detector NAME|best] [--seed N]',
  options: {
    dataset: { type: 'string', description: '"skab": SKAB CSV files (its protocol); "sim": serie_temporal_*.json from "typedcluster sim historical"' },
    dir: { type: 'string', description: 'folder of the data set (searched recursively for SKAB)' },
    detector: { type: 'string', default: 'best', description: `one of ${detectorNames().join(', ')}; <name>~N smooths its score over the last N samples; "best": ${RECOMMENDED.sim} for sim, ${RECOMMENDED.skab} for skab` },
    seed: { type: 'string', default: '1', description: 'seed of randomised detectors (isolation forest, networks)' },
  },
  details: [
    'SKAB: the first 400 rows of each labelled file train a fresh detector; every later row is scored,',
    'point by point, all files together, no tolerance window (docs/detectors.md). The table shows the',
    'trivial all-anomalous baseline and the published leaderboard beside the result.',
    'sim: each PLC\'s first half trains (normal rows only), the second half is scored; per anomaly type,',
    'with the share of detections whose top blamed sensor is a labelled one.',
    'The last line is JSON: dataset, detector, f1, far, mar, precision, recall, roc_auc, … (rates 0..1).',
    '',
    'Examples:',
    '  typedcluster eval --dataset skab --dir ../shared/datasets/skab --detector best',
    '  typedcluster eval --dataset skab --dir ../shared/datasets/skab --detector pca~10',
    '  typedcluster eval --dataset sim --dir data/sim-0.3 --detector zscore',
  ],
  run: async (values, _positionals, io) => runEval(values, io),
};
