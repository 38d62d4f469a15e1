/**
 * The text stage of the pipeline: what verify-and-decrypt emits as UTF-8
 * JSON and store-reading stores. `seq` is a decimal string because it is
 * a u64 on the wire (docs/wire-format.md) and JSON numbers are not.
 * Non-finite sensor values are carried as null.
 */
export interface ReadingRecord {
  readonly type: 'reading';
  readonly device: number;
  readonly seq: string;
  readonly keyId: number;
  /** ISO-8601 UTC, from the frame's millisecond timestamp. */
  readonly ts: string;
  readonly temperature: number | null;
  readonly pressure: number | null;
  readonly humidity: number | null;
}

export interface CycleRecord {
  readonly type: 'cycle';
  readonly device: number;
  readonly seq: string;
  readonly keyId: number;
  /** Start of the 30-second cycle, ISO-8601 UTC. */
  readonly cycleStart: string;
  readonly cycle: number;
  /** phases[p][s]: phase p (0..4) of sensor s1..s5 (index 0..4). */
  readonly phases: ReadonlyArray<ReadonlyArray<number | null>>;
}

export type TextRecord = ReadingRecord | CycleRecord;

/** Body of a POST to store-reading: `application/json; charset=utf-8`. */
export interface TextBatch {
  readonly records: readonly TextRecord[];
}

export type StoreOutcome = 'stored' | 'duplicate';
