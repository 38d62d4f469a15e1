import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { StartupError } from '../errors/startup-error.js';
import { ANOMALY_KINDS } from './anomaly.js';
import type { AnomalyKind } from './anomaly.js';
import { CSV_HEADER, HISTORICAL_FILE_PATTERN } from './historical-format.js';
import type { HistoricalRow } from './historical-row.js';

const HINT = 'regenerate it with "typedcluster sim historical" (format: docs/simulator.md)';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SENSOR_NAMES = new Set(['s1', 's2', 's3', 's4', 's5']);

/**
 * The data set files of a folder, `serie_temporal_<day>.json` (or `.csv`
 * with ext 'csv'), sorted by day; full paths. [] when there are none.
 */
export async function listHistoricalFiles(dir: string, ext: 'json' | 'csv' = 'json'): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => HISTORICAL_FILE_PATTERN.exec(n)?.[2] === ext).sort().map((n) => join(dir, n));
}

/**
 * The rows of one data set file, `.json` (one row object per line inside
 * `[` … `]`) or `.csv` (header `CSV_HEADER`), read line by line in bounded
 * memory and checked. A bad line stops the iteration with StartupError
 * DATASET_INVALID naming the file, the line number and the field.
 */
export async function* readHistoricalRows(file: string): AsyncGenerator<HistoricalRow, void, undefined> {
  const csv = file.endsWith('.csv');
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let n = 0;
  let closed = false;
  const bad = (why: string): never => {
    throw new StartupError('DATASET_INVALID', `${basename(file)}:${n}: ${why}`, HINT);
  };
  try {
    for await (const line of lines) {
      n++;
      if (csv) {
        if (n === 1) {
          if (line.trim() !== CSV_HEADER) bad(`the header is not "${CSV_HEADER}"`);
          continue;
        }
        if (line === '') continue;
        yield checkRow(csvToObject(line, bad), bad);
        continue;
      }
      const text = line.trim();
      if (n === 1) {
        if (text !== '[') bad('a data set file starts with a line "["');
        continue;
      }
      if (closed) {
        if (text !== '') bad('text after the closing "]"');
        continue;
      }
      if (text === ']') {
        closed = true;
        continue;
      }
      let obj: unknown;
      try {
        obj = JSON.parse(text.endsWith(',') ? text.slice(0, -1) : text);
      } catch {
        bad('not one JSON row object per line');
      }
      yield checkRow(obj, bad);
    }
  } finally {
    lines.close();
  }
  if (!csv && !closed) bad('the file ends before its closing "]" (truncated?)');
}

function csvToObject(line: string, bad: (why: string) => never): Record<string, unknown> {
  const cells = line.split(',');
  if (cells.length !== 13) bad(`${cells.length} cells, not 13`);
  const [plc, cycle, phase, timestamp, duration, s1, s2, s3, s4, s5, anomaly, type, sensors] = cells as [string, string, string, string, string, string, string, string, string, string, string, string, string];
  const num = (s: string) => (s === '' ? null : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s) ? Number(s) : s);
  return {
    plc: num(plc), cycle: num(cycle), phase: num(phase), timestamp, duration_s: num(duration),
    s1: num(s1), s2: num(s2), s3: num(s3), s4: num(s4), s5: num(s5),
    anomaly: num(anomaly), anomaly_type: type === '' ? null : type, anomaly_sensors: sensors === '' ? [] : sensors.split(';'),
  };
}

/** Checks one row object; extra keys are ignored (a later format may add fields). */
function checkRow(x: unknown, bad: (why: string) => never): HistoricalRow {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return bad('not a row object');
  const r = x as Record<string, unknown>;
  const int = (k: string, min: number, max: number) => {
    const v = r[k];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) bad(`${k} ${JSON.stringify(v)} is not an integer in ${min}..${max}`);
    return v as number;
  };
  const plc = int('plc', 1, 32767);
  const cycle = int('cycle', 0, Number.MAX_SAFE_INTEGER);
  const phase = int('phase', 1, 5);
  const timestamp = r['timestamp'];
  if (!(typeof timestamp === 'string' && ISO.test(timestamp) && Number.isFinite(Date.parse(timestamp)))) bad(`timestamp ${JSON.stringify(timestamp)} is not an ISO 8601 UTC time with milliseconds`);
  const duration = r['duration_s'];
  if (!(typeof duration === 'number' && Number.isFinite(duration) && duration > 0)) bad(`duration_s ${JSON.stringify(duration)} is not a number of seconds > 0`);
  const sensor = (k: string) => {
    const v = r[k];
    if (!(v === null || (typeof v === 'number' && Number.isFinite(v)))) bad(`${k} ${JSON.stringify(v)} is not a number or null`);
    return v as number | null;
  };
  const [s1, s2, s3, s4, s5] = [sensor('s1'), sensor('s2'), sensor('s3'), sensor('s4'), sensor('s5')];
  const anomaly = r['anomaly'];
  if (anomaly !== 0 && anomaly !== 1) bad(`anomaly ${JSON.stringify(anomaly)} is not 0 or 1`);
  const type = r['anomaly_type'];
  if (!(type === null || (typeof type === 'string' && Object.hasOwn(ANOMALY_KINDS, type)))) bad(`anomaly_type ${JSON.stringify(type)} is not null or one of ${Object.keys(ANOMALY_KINDS).join(', ')}`);
  if ((anomaly === 1) !== (type !== null)) bad(`anomaly ${String(anomaly)} disagrees with anomaly_type ${JSON.stringify(type)}`);
  const sensors = r['anomaly_sensors'];
  if (!(Array.isArray(sensors) && sensors.every((s) => typeof s === 'string' && SENSOR_NAMES.has(s)))) bad(`anomaly_sensors ${JSON.stringify(sensors)} is not a list of s1..s5`);
  return {
    plc, cycle, phase, timestamp: timestamp as string, duration_s: duration as number, s1, s2, s3, s4, s5,
    anomaly: anomaly as 0 | 1, anomaly_type: type as AnomalyKind | null, anomaly_sensors: sensors as string[],
  };
}
