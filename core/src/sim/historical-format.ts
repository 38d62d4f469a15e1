import type { HistoricalRow } from './historical-row.js';

/**
 * The files of a historical data set (docs/simulator.md, "Files"): one per
 * UTC day, `serie_temporal_<YYYY-MM-DD>.json` holding a JSON array with
 * exactly one row object per line (so it streams both ways), and its CSV
 * twin. Keys and columns are in `HISTORICAL_COLUMNS` order.
 */
export const HISTORICAL_COLUMNS = ['plc', 'cycle', 'phase', 'timestamp', 'duration_s', 's1', 's2', 's3', 's4', 's5', 'anomaly', 'anomaly_type', 'anomaly_sensors'] as const satisfies readonly (keyof HistoricalRow)[];

export const HISTORICAL_FILE_PREFIX = 'serie_temporal_';
/** `serie_temporal_2026-01-01.json`: the day is the UTC day of the rows' timestamps. */
export const historicalFileName = (day: string, ext: 'json' | 'csv'): string => `${HISTORICAL_FILE_PREFIX}${day}.${ext}`;
export const HISTORICAL_FILE_PATTERN = /^serie_temporal_(\d{4}-\d{2}-\d{2})\.(json|csv)$/;

/**
 * The row as its line of the JSON file (no comma, no newline); keys in
 * column order. Written by hand rather than JSON.stringify: it is the hot
 * loop of a month-long data set, and every field is a number, null, an ISO
 * time, a kind or a sensor name, none of which needs escaping.
 */
export function rowToJson(r: HistoricalRow): string {
  const sensors = r.anomaly_sensors.length ? `"${r.anomaly_sensors.join('","')}"` : '';
  return `{"plc":${r.plc},"cycle":${r.cycle},"phase":${r.phase},"timestamp":"${r.timestamp}","duration_s":${r.duration_s},"s1":${r.s1},"s2":${r.s2},"s3":${r.s3},"s4":${r.s4},"s5":${r.s5},"anomaly":${r.anomaly},"anomaly_type":${r.anomaly_type === null ? 'null' : `"${r.anomaly_type}"`},"anomaly_sensors":[${sensors}]}`;
}

export const CSV_HEADER = HISTORICAL_COLUMNS.join(',');

/** The row as a CSV line: null is an empty cell, anomaly_sensors joined by ";" (e.g. "s3"). No cell needs quoting. */
export function rowToCsv(r: HistoricalRow): string {
  const n = (x: number | null) => (x === null ? '' : String(x));
  return `${r.plc},${r.cycle},${r.phase},${r.timestamp},${r.duration_s},${n(r.s1)},${n(r.s2)},${n(r.s3)},${n(r.s4)},${n(r.s5)},${r.anomaly},${r.anomaly_type ?? ''},${r.anomaly_sensors.join(';')}`;
}
