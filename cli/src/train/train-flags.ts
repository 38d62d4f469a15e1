import { resolve } from 'node:path';
import { createDetector } from '@typedcluster/detectors';
import { parseDateFlag } from '../sim/historical-flags.js';
import { flagError, flagString } from '../flag-values.js';

/** Where `typedcluster train` reads normal data from. */
export type TrainSource =
  | { readonly kind: 'dir'; readonly dir: string }
  | {
      readonly kind: 'db';
      /** Device ids of the PLCs; undefined = every PLC with cycles. */
      readonly plcs: readonly number[] | undefined;
      /** [from, to) on cycle_start, ms since the epoch; undefined = open. */
      readonly from: number | undefined;
      readonly to: number | undefined;
    };

export interface TrainFlags {
  readonly detector: string;
  readonly source: TrainSource;
  readonly activate: boolean;
  readonly seed: number;
  /** Most epochs, autoencoders only; undefined = the network's default. */
  readonly epochs: number | undefined;
}

const AUTOENCODERS = new Set(['dense-autoencoder', 'lstm-autoencoder']);
/** The base name of `<detector>~<N>` (a smoothed detector). */
export const baseDetectorName = (name: string): string => /^(.+)~\d+$/.exec(name)?.[1] ?? name;
export const isAutoencoder = (name: string): boolean => AUTOENCODERS.has(baseDetectorName(name));

type Parsed = { ok: true; value: TrainFlags } | { ok: false; error: string };

/** Checks every flag; an error is one line naming the flag. */
export function parseTrainFlags(values: Record<string, string | boolean | undefined>, cwd: string): Parsed {
  const str = (k: string) => flagString(values, k);
  const bad = flagError;
  const int = (k: string, min: number, max: number): number | undefined => {
    const s = str(k);
    if (s === undefined) return undefined;
    const n = /^\d+$/.test(s) ? Number(s) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : NaN;
  };

  const detector = str('detector');
  if (!detector) return bad('--detector is required, e.g. --detector dense-autoencoder (see "typedcluster train --help")');
  const known = createDetector(detector);
  if (!known.ok) return bad(`--detector: ${known.error.message}`);

  const dir = str('from-dir');
  const fromDb = values['from-db'] === true;
  if ((dir !== undefined) === fromDb) return bad('give exactly one of --from-dir DIR (a "typedcluster sim historical" folder) or --from-db');
  if (dir === '') return bad('--from-dir is empty: name the folder of serie_temporal_<day>.json files');

  let source: TrainSource;
  if (dir !== undefined) {
    for (const k of ['plcs', 'from', 'to']) if (values[k] !== undefined) return bad(`--${k} applies to --from-db only; a --from-dir data set is used whole`);
    source = { kind: 'dir', dir: resolve(cwd, dir) };
  } else {
    let plcs: number[] | undefined;
    const list = str('plcs');
    if (list !== undefined) {
      plcs = list.split(',').map((p) => (/^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN));
      const wrong = plcs.findIndex((p) => !(Number.isInteger(p) && p >= 1 && p <= 32767));
      if (wrong >= 0 || plcs.length === 0) return bad(`--plcs ${list} is not a comma-separated list of PLC ids in 1..32767, e.g. --plcs 1,2,3`);
    }
    const date = (k: 'from' | 'to'): number | undefined => {
      const s = str(k);
      return s === undefined ? undefined : parseDateFlag(s);
    };
    const from = date('from');
    if (from !== undefined && !Number.isFinite(from)) return bad(`--from ${str('from')} is not a date (2026-01-01) or an ISO 8601 time with a zone (2026-01-01T08:00:00Z)`);
    const to = date('to');
    if (to !== undefined && !Number.isFinite(to)) return bad(`--to ${str('to')} is not a date (2026-01-08) or an ISO 8601 time with a zone (2026-01-08T00:00:00Z)`);
    if (from !== undefined && to !== undefined && to <= from) return bad(`--to ${str('to')} is not after --from ${str('from')} (--to is exclusive)`);
    source = { kind: 'db', plcs: plcs ? [...new Set(plcs)].sort((a, b) => a - b) : undefined, from, to };
  }

  const seed = int('seed', 0, 0xffff_ffff) ?? 1;
  if (Number.isNaN(seed)) return bad(`--seed ${str('seed')} is not an integer in 0..4294967295`);
  const epochs = int('epochs', 1, 10_000);
  if (Number.isNaN(epochs)) return bad(`--epochs ${str('epochs')} is not an integer in 1..10000`);
  if (epochs !== undefined && !isAutoencoder(detector)) return bad(`--epochs applies to dense-autoencoder and lstm-autoencoder only, not ${detector}`);
  return { ok: true, value: { detector, source, activate: values['activate'] === true, seed, epochs } };
}
