import { StartupError, listHistoricalFiles, readHistoricalRows, type Database } from '@typedcluster/core';
import type { Sample } from '@typedcluster/detectors';
import type { TrainSource } from './train-flags.js';

/**
 * Normal training data, one stream per PLC in time order (sequence
 * detectors keep state along it, and windows never span two PLCs).
 *
 * - From a folder (`typedcluster sim historical`): every row labelled
 *   `anomaly: 0`; labelled anomalies are left out.
 * - From the database: the cycle_phases rows of the PLCs and range, less
 *   every cycle that detect-anomaly reported (anomaly_reports row for that
 *   PLC and cycle start, anomalous or unusable): unlabelled data is taken as
 *   normal unless the running detector said otherwise.
 */
export interface TrainingData {
  readonly streams: ReadonlyMap<number, Sample[]>;
  /** Rows read, and those left out (labelled or reported anomalous). */
  readonly rowsRead: number;
  readonly rowsExcluded: number;
  /** First and last row time (ISO), undefined when no row was kept. */
  readonly first: string | undefined;
  readonly last: string | undefined;
}

export type ReadProgress = (fraction: number, label: string) => void;

interface Collector {
  add(plc: number, ts: string, phase: number, sample: Sample): void;
  done(rowsRead: number, rowsExcluded: number): TrainingData;
}

function collector(): Collector {
  const rows = new Map<number, { ts: string; phase: number; sample: Sample }[]>();
  return {
    add(plc, ts, phase, sample) {
      (rows.get(plc) ?? rows.set(plc, []).get(plc)!).push({ ts, phase, sample });
    },
    done(rowsRead, rowsExcluded) {
      const streams = new Map<number, Sample[]>();
      let first: string | undefined;
      let last: string | undefined;
      for (const plc of [...rows.keys()].sort((a, b) => a - b)) {
        // ISO UTC strings with milliseconds sort as times do.
        const rs = rows.get(plc)!.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.phase - b.phase));
        streams.set(plc, rs.map((r) => r.sample));
        if (first === undefined || rs[0]!.ts < first) first = rs[0]!.ts;
        if (last === undefined || rs[rs.length - 1]!.ts > last) last = rs[rs.length - 1]!.ts;
      }
      return { streams, rowsRead, rowsExcluded, first, last };
    },
  };
}

export async function readTrainingFromDir(dir: string, progress: ReadProgress): Promise<TrainingData> {
  let files: string[];
  try {
    files = await listHistoricalFiles(dir);
  } catch (e) {
    throw new StartupError('DATASET_INVALID', `--from-dir ${dir}: ${(e as Error).message}`, 'point it at a folder written by "typedcluster sim historical"');
  }
  if (files.length === 0) throw new StartupError('DATASET_INVALID', `--from-dir ${dir} has no serie_temporal_*.json files`, 'generate them with "typedcluster sim historical"');
  const c = collector();
  let read = 0;
  let excluded = 0;
  for (const [i, f] of files.entries()) {
    for await (const r of readHistoricalRows(f)) {
      read++;
      if (r.anomaly !== 0) {
        excluded++;
        continue;
      }
      c.add(r.plc, r.timestamp, r.phase, { group: r.phase, values: [r.s1, r.s2, r.s3, r.s4, r.s5] });
    }
    progress((i + 1) / files.length, `${read.toLocaleString('en-US')} rows read`);
  }
  return c.done(read, excluded);
}

interface PhaseRow {
  phase: number;
  phase_start: Date;
  s1: number | null;
  s2: number | null;
  s3: number | null;
  s4: number | null;
  s5: number | null;
  reported: boolean;
}

export async function readTrainingFromDb(db: Database, source: Extract<TrainSource, { kind: 'db' }>, progress: ReadProgress): Promise<TrainingData> {
  const from = source.from === undefined ? null : new Date(source.from);
  const to = source.to === undefined ? null : new Date(source.to);
  const plcs =
    source.plcs ??
    (await db.query<{ device_id: number }>('SELECT DISTINCT device_id FROM cycle_phases WHERE ($1::timestamptz IS NULL OR cycle_start >= $1) AND ($2::timestamptz IS NULL OR cycle_start < $2) ORDER BY 1', [from, to])).rows.map((r) => r.device_id);
  const c = collector();
  let read = 0;
  let excluded = 0;
  // One query per PLC keeps each result to one PLC's rows, already in time order.
  for (const [i, plc] of plcs.entries()) {
    const r = await db.query<PhaseRow>(
      `SELECT cp.phase, cp.phase_start, cp.s1, cp.s2, cp.s3, cp.s4, cp.s5,
              EXISTS (SELECT 1 FROM anomaly_reports ar WHERE ar.plc_id = cp.device_id AND ar.ts = cp.cycle_start) AS reported
         FROM cycle_phases cp
        WHERE cp.device_id = $1 AND ($2::timestamptz IS NULL OR cp.cycle_start >= $2) AND ($3::timestamptz IS NULL OR cp.cycle_start < $3)
        ORDER BY cp.phase_start, cp.phase`,
      [plc, from, to],
    );
    for (const row of r.rows) {
      read++;
      if (row.reported) {
        excluded++;
        continue;
      }
      c.add(plc, row.phase_start.toISOString(), row.phase, { group: row.phase, values: [row.s1, row.s2, row.s3, row.s4, row.s5] });
    }
    progress((i + 1) / plcs.length, `PLC ${plc}: ${read.toLocaleString('en-US')} rows read`);
  }
  return c.done(read, excluded);
}
