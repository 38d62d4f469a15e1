import { resolve } from 'node:path';
import type { Io } from '../command.js';

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
export function parseHistoricalFlags(values: Record<string, string | boolean | undefined>, io: Pick<Io, 'env' | 'cwd'>): { ok: true; value: HistoricalFlags } | { ok: false; error: string } {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string).trim() : undefined);
  const num = (k: string) => {
    const s = str(k);
    return s === undefined || s === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? NaN : Number(s);
  };
  const bad = (error: string) => ({ ok: false as const, error: `error: ${error}` });

  const plcs = num('plcs');
  if (!(Number.isInteger(plcs) && plcs >= 1 && plcs <= 1000)) return bad(`--plcs ${str('plcs')} is not an integer in 1..1000`);
  if (str('from') === undefined) return bad('--from is required: the first day, e.g. --from 2026-01-01');
  if (str('to') === undefined) return bad('--to is required: the day after the last, e.g. --to 2026-01-08');
  const from = parseDateFlag(str('from')!);
  if (!Number.isFinite(from)) return bad(`--from ${str('from')} is not a date (2026-01-01) or an ISO 8601 time with a zone (2026-01-01T08:00:00Z)`);
  const to = parseDateFlag(str('to')!);
  if (!Number.isFinite(to)) return bad(`--to ${str('to')} is not a date (2026-01-08) or an ISO 8601 time with a zone (2026-01-08T00:00:00Z)`);
  if (to - from < 30_000) return bad(`--to ${str('to')} is not at least one 30 s cycle after --from ${str('from')} (--to is exclusive: --from 2026-01-01 --to 2026-01-02 is one day)`);
  const temperature = num('temperature');
  if (!(temperature >= 0 && temperature <= 1)) return bad(`--temperature ${str('temperature')} is not a number in 0..1 (0 = no anomalies, 1 = the most)`);
  let seed: number | undefined;
  if (values['seed'] !== undefined) {
    seed = num('seed');
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffff_ffff)) return bad(`--seed ${str('seed')} is not an integer in 0..4294967295`);
  }
  const out = str('out');
  if (!out) return bad('--out is empty: name the folder for the serie_temporal_<day>.json files');
  const model = str('model') || io.env['PHASE_MODEL_FILE']?.trim() || undefined;
  return { ok: true, value: { plcs, from, to, temperature, seed, out: resolve(io.cwd, out), csv: values['csv'] === true, model: model === undefined ? undefined : resolve(io.cwd, model) } };
}
