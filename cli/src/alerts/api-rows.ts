/**
 * Rows as the REST API (docs/rest-api.md, PostgREST JSON over schema `api`)
 * returns them; only the columns the alert client reads. `stored_at` /
 * `created_at` are database commit-side times, used as the cursor.
 */
export interface CyclePhaseRow {
  readonly device_id: number;
  readonly seq: number;
  readonly cycle_no: number;
  readonly phase: number;
  readonly phase_start: string;
  readonly s1: number | null;
  readonly s2: number | null;
  readonly s3: number | null;
  readonly s4: number | null;
  readonly s5: number | null;
  readonly stored_at: string;
}

export interface ReadingRow {
  readonly device_id: number;
  readonly seq: number;
  readonly ts: string;
  readonly temperature: number | null;
  readonly pressure: number | null;
  readonly humidity: number | null;
  readonly stored_at: string;
}

export interface AnomalyReportRow {
  readonly id: number;
  readonly plc_id: number;
  readonly cycle_no: number | null;
  readonly phase: number | null;
  readonly ts: string;
  readonly detector: string;
  readonly status: 'scored' | 'unusable';
  readonly reason: string | null;
  readonly score: number | null;
  readonly is_anomaly: boolean;
  readonly affected_sensors: readonly string[];
  readonly created_at: string;
}

/** The views the client polls, with the column that orders them and the key that de-duplicates a row. */
export const SOURCES = {
  cycle_phases: { time: 'stored_at', order: 'stored_at.asc,device_id.asc,seq.asc,phase.asc', key: (r: CyclePhaseRow) => `${r.device_id}/${r.seq}/${r.phase}` },
  readings: { time: 'stored_at', order: 'stored_at.asc,device_id.asc,seq.asc', key: (r: ReadingRow) => `${r.device_id}/${r.seq}` },
  anomaly_reports: { time: 'created_at', order: 'created_at.asc,id.asc', key: (r: AnomalyReportRow) => String(r.id) },
} as const;
export type SourceName = keyof typeof SOURCES;
export const SOURCE_NAMES = Object.keys(SOURCES) as SourceName[];

export interface SourceRows {
  cycle_phases: CyclePhaseRow[];
  readings: ReadingRow[];
  anomaly_reports: AnomalyReportRow[];
}
