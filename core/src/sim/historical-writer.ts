import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { TYPICAL_MODEL } from '../phase-model/typical-model.js';
import type { AnomalyKind } from './anomaly.js';
import { checkHistoricalOptions, generateHistoricalRows } from './historical-generator.js';
import type { HistoricalOptions } from './historical-generator.js';
import { CSV_HEADER, HISTORICAL_FILE_PATTERN, historicalFileName, rowToCsv, rowToJson } from './historical-format.js';
import { phaseModelToJson } from '../phase-model/phase-model-json.js';

export interface HistoricalProgress {
  readonly rows: number;
  /** 0..1 of the date range covered so far. */
  readonly fraction: number;
  /** The UTC day being written. */
  readonly day: string;
}

export interface WriteHistoricalOptions extends HistoricalOptions {
  /** The folder; created if missing; must hold no serie_temporal_* files yet. */
  readonly out: string;
  /** Also write the CSV twin of each day. */
  readonly csv?: boolean;
  /** Called about every `progressEvery` rows and once at the end. */
  readonly onProgress?: (p: HistoricalProgress) => void;
  readonly progressEvery?: number;
}

export interface HistoricalSummary {
  /** The files written, in order (JSON, then CSV of a day), names only. */
  readonly files: readonly string[];
  readonly rows: number;
  readonly anomalousRows: number;
  /** Episodes started, by kind (labelled rows with a new episode). */
  readonly episodes: Readonly<Record<AnomalyKind, number>>;
}

const FLUSH_CHARS = 1 << 18; // write in ~256 KiB chunks; wait for 'drain' when the stream is full

/** A file written in chunks with back-pressure: memory holds at most one chunk plus the stream's buffer. */
class ChunkedFile {
  private readonly stream: WriteStream;
  private buf = '';
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  /** Buffers `text`; true when the caller must `await flush()` before adding more (no promise per row). */
  add(text: string): boolean {
    this.buf += text;
    return this.buf.length >= FLUSH_CHARS;
  }
  async flush(): Promise<void> {
    const chunk = this.buf;
    this.buf = '';
    if (chunk && !this.stream.write(chunk)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/**
 * Generates a historical data set into `out`: `serie_temporal_<day>.json`
 * per UTC day (and `.csv` with `csv`), plus `modelo_tipico.json`, the model
 * it was generated from (the user's data folder holds both). Streams with
 * back-pressure in bounded memory; the same options give the same bytes.
 * Throws StartupError for bad options or a folder that already holds a data set.
 */
export async function writeHistoricalDataset(o: WriteHistoricalOptions): Promise<HistoricalSummary> {
  checkHistoricalOptions(o);
  await mkdir(o.out, { recursive: true });
  const existing = (await readdir(o.out)).filter((f) => HISTORICAL_FILE_PATTERN.test(f));
  if (existing.length) throw new StartupError('CONFIG_INVALID', `out ${o.out} already holds ${existing.length} serie_temporal_* files (${existing[0]}…)`, 'choose an empty folder, or delete the old data set first');
  await writeFile(join(o.out, 'modelo_tipico.json'), phaseModelToJson(o.model ?? TYPICAL_MODEL, 'The phase model this data set was generated from (docs/simulator.md).'));

  const files: string[] = [];
  const episodes = { spike: 0, drift: 0, stuck: 0, 'noise-burst': 0, 'phase-too-long': 0, 'phase-out-of-order': 0, silent: 0 } satisfies Record<AnomalyKind, number>;
  let json: ChunkedFile | undefined;
  let csv: ChunkedFile | undefined;
  let day = '';
  let first = true;
  let rows = 0;
  let anomalousRows = 0;
  const every = o.progressEvery ?? 50_000;
  const span = o.to - o.from;
  const closeDay = async () => {
    json?.add('\n]\n');
    await json?.close();
    await csv?.close();
    json = csv = undefined;
  };
  const observe: HistoricalOptions['observe'] = (plc, cycle, labels, draft) => {
    for (const l of labels) if (l.step === 0) episodes[l.kind]++;
    o.observe?.(plc, cycle, labels, draft);
  };
  try {
    for (const row of generateHistoricalRows({ ...o, observe })) {
      const rowDay = row.timestamp.slice(0, 10);
      if (rowDay !== day) {
        await closeDay();
        day = rowDay;
        json = new ChunkedFile(join(o.out, historicalFileName(day, 'json')));
        files.push(historicalFileName(day, 'json'));
        json.add('[\n');
        first = true;
        if (o.csv) {
          csv = new ChunkedFile(join(o.out, historicalFileName(day, 'csv')));
          files.push(historicalFileName(day, 'csv'));
          csv.add(CSV_HEADER + '\n');
        }
      }
      if (json!.add((first ? '' : ',\n') + rowToJson(row))) await json!.flush();
      first = false;
      if (csv?.add(rowToCsv(row) + '\n')) await csv.flush();
      rows++;
      if (row.anomaly) anomalousRows++;
      if (o.onProgress && rows % every === 0) o.onProgress({ rows, fraction: (Date.parse(row.timestamp) - o.from) / span, day });
    }
  } finally {
    await closeDay();
  }
  o.onProgress?.({ rows, fraction: 1, day });
  return { files, rows, anomalousRows, episodes };
}
