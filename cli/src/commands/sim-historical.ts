import type { Command } from '../command.js';
import { runHistorical } from '../sim/run-historical.js';

export const simHistorical: Command = {
  path: ['sim', 'historical'],
  summary: 'Generate a labelled historical data set: serie_temporal_<day>.json (and .csv) for N PLCs over a date range',
  usage: '--from DATE --to DATE [--plcs N] [--temperature 0..1] [--seed N] [--out DIR] [--csv] [--model FILE]',
  options: {
    plcs: { type: 'string', short: 'n', default: '10', description: 'simulated PLCs (ids 1..N), 1..1000' },
    from: { type: 'string', description: 'first day (UTC midnight), e.g. 2026-01-01, or an ISO 8601 time with a zone' },
    to: { type: 'string', description: 'end, exclusive: --from 2026-01-01 --to 2026-01-02 is one day' },
    temperature: { type: 'string', short: 't', default: '0.1', description: 'anomalies, 0 (none) … 1 (often and strong)' },
    seed: { type: 'string', description: 'seed, 0..4294967295: the same seed and flags give the same bytes (default: random, printed)' },
    out: { type: 'string', short: 'o', default: 'dataset', description: 'folder for the files; must not hold a data set yet' },
    csv: { type: 'boolean', description: 'also write serie_temporal_<day>.csv next to each .json' },
    model: { type: 'string', description: "a plant's phase model in the shape of modelo_tipico.json (default: $PHASE_MODEL_FILE, else the built-in one)" },
  },
  details: [
    'Every PLC runs without interruption: 30-second cycles of 5 phases back to back (a phase that runs',
    'too long delays the next ones). One row per phase: plc, cycle, phase, timestamp, duration_s, s1..s5,',
    'and the labels anomaly (0/1), anomaly_type, anomaly_sensors. Anomalies: spike, drift, stuck,',
    'noise-burst, phase-too-long, phase-out-of-order, silent (rows with null values); the temperature',
    'sets how often and how strongly (docs/simulator.md). Files: one per UTC day, a JSON array with one',
    'row per line, ordered by timestamp then PLC; the folder also gets the modelo_tipico.json used.',
    'Streams to disk in bounded memory, whatever the range.',
    '',
    'Examples:',
    '  typedcluster sim historical --plcs 10 --from 2026-01-01 --to 2026-01-08 --temperature 0.3 --seed 42 --out data',
    '  typedcluster sim historical --plcs 50 --from 2026-01-01 --to 2026-02-01 --seed 1 --out month --csv',
    '  typedcluster sim historical --from 2026-01-01 --to 2026-01-02 --model plant/modelo_tipico.json',
  ],
  run: (values, _positionals, io) => runHistorical(values, io),
};
