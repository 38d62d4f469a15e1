import { stat } from 'node:fs/promises';
import { listHistoricalFiles, readHistoricalRows, StartupError, type HistoricalRow } from '@typedcluster/core';

export interface ReplaySource {
  readonly files: readonly string[];
  /** The PLC ids of the data set, ascending: every PLC has a row at the first timestamp. */
  readonly plcs: readonly number[];
  /** Every row of every file, in order, read lazily. */
  readonly rows: AsyncIterable<HistoricalRow>;
}

/** A data set to replay: one `serie_temporal_<day>.json`, or a folder of them (in day order). */
export async function openReplaySource(path: string): Promise<ReplaySource> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new StartupError('DATASET_INVALID', `--replay ${path} does not exist`, 'name a serie_temporal_<day>.json file or a folder written by "typedcluster sim historical"');
  const files = info.isDirectory() ? await listHistoricalFiles(path) : [path];
  if (!files.length) throw new StartupError('DATASET_INVALID', `--replay ${path} holds no serie_temporal_<day>.json files`, 'write a data set with "typedcluster sim historical --out DIR" first');
  const plcs = new Set<number>();
  let first: string | undefined;
  for await (const r of readHistoricalRows(files[0]!)) {
    first ??= r.timestamp;
    if (r.timestamp !== first) break;
    plcs.add(r.plc);
  }
  if (!plcs.size) throw new StartupError('DATASET_INVALID', `${files[0]} has no rows`, 'replay a data set written by "typedcluster sim historical"');
  return {
    files,
    plcs: [...plcs].sort((a, b) => a - b),
    rows: (async function* () {
      for (const f of files) yield* readHistoricalRows(f);
    })(),
  };
}
