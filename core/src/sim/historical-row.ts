import type { AnomalyKind } from './anomaly.js';

/**
 * One row of a historical data set (`serie_temporal_<period>.json`, and its
 * CSV twin): one phase of one 30-second cycle of one PLC. The simulator's
 * historical mode writes these; the detectors, `typedcluster train` and
 * `typedcluster eval --dataset sim` read them. Field names are the file's
 * keys, so a row is written and read without renaming.
 */
export interface HistoricalRow {
  /** PLC (device) id, 1..32767. */
  readonly plc: number;
  /** Cycle counter of this PLC, from 0 at the start of the range. */
  readonly cycle: number;
  /** Phase 1..5 that ran in this slot (differs from the slot's position when phases come out of order). */
  readonly phase: number;
  /** Start of this phase, ISO-8601 UTC with milliseconds. */
  readonly timestamp: string;
  /** Seconds this phase lasted (ms precision): 6 normally, more on a `phase-too-long` row; the next row of the PLC starts this much later. */
  readonly duration_s: number;
  readonly s1: number | null;
  readonly s2: number | null;
  readonly s3: number | null;
  readonly s4: number | null;
  readonly s5: number | null;
  /** 1 when an injected anomaly touches this row, else 0. */
  readonly anomaly: 0 | 1;
  /** The injected kind; null on normal rows. */
  readonly anomaly_type: AnomalyKind | null;
  /**
   * Sensors the anomaly touches in this row, e.g. ["s3"]; [] on normal rows
   * and for whole-PLC kinds. `silent` rows are present (cycles stay
   * uninterrupted) with s1..s5 null; a `phase-out-of-order` cycle labels the
   * rows whose phase is not the slot's; `phase-too-long` labels the long phase.
   */
  readonly anomaly_sensors: readonly string[];
}
