import { resolve } from 'node:path';
import type { Io } from '../command.js';
import { flagError, flagString, type FlagValues, type ParsedFlags } from '../flag-values.js';
import { modelFlag, plcsFlag, seedFlag, temperatureFlag } from './simulation-flags.js';

/** The flags of `typedcluster sim historical`, checked. */
export interface HistoricalFlags {
  readonly plcs: number;
  /** [from, to), ms since the epoch. */
  readonly from: number;
  readonly to: number;
  readonly temperature: number;
  readonly seed: number | undefined;
  /** Absolute folder. */
  readonly out: string;
  readonly csv: boolean;
  /** A plant's model file (absolute), else $PHASE_MODEL_FILE, else undefined (the built-in one). */
  readonly model: string | undefined;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A day (UTC midnight) or an ISO 8601 time with a zone; NaN for anything else, impossible days included (2026-02-30). */
export function parseDateFlag(s: string): number {
  if (DATE_ONLY.test(s)) {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s ? t : NaN;
  }
  if (!DATE_TIME.test(s)) return NaN;
  const t = Date.parse(s);
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d ? t : NaN;
}

/** Checks every flag; an error is one line naming the flag. */
export function parseHistoricalFlags(values: FlagValues, io: Pick<Io, 'env' | 'cwd'>): ParsedFlags<HistoricalFlags> {
  const str = (k: string) => flagString(values, k);
  const bad = flagError;

  const plcs = plcsFlag(values);
  if (!plcs.ok) return plcs;
  if (str('from') === undefined) return bad('--from is required: the first day, e.g. --from 2026-01-01');
  if (str('to') === undefined) return bad('--to is required: the day after the last, e.g. --to 2026-01-08');
  const from = parseDateFlag(str('from')!);
  if (!Number.isFinite(from)) return bad(`--from ${str('from')} is not a date (2026-01-01) or an ISO 8601 time with a zone (2026-01-01T08:00:00Z)`);
  const to = parseDateFlag(str('to')!);
  if (!Number.isFinite(to)) return bad(`--to ${str('to')} is not a date (2026-01-08) or an ISO 8601 time with a zone (2026-01-08T00:00:00Z)`);
  if (to - from < 30_000) return bad(`--to ${str('to')} is not at least one 30 s cycle after --from ${str('from')} (--to is exclusive: --from 2026-01-01 --to 2026-01-02 is one day)`);
  const temperature = temperatureFlag(values);
  if (!temperature.ok) return temperature;
  const seed = seedFlag(values);
  if (!seed.ok) return seed;
  const out = str('out');
  if (!out) return bad('--out is empty: name the folder for the serie_temporal_<day>.json files');
  return {
    ok: true,
    value: {
      plcs: plcs.value, from, to, temperature: temperature.value, seed: seed.value, out: resolve(io.cwd, out), csv: values['csv'] === true,
      model: modelFlag(values, io.env, io.cwd),
    },
  };
}
