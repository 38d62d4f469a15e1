/**
 * The one interface every detector implements (docs/detectors.md). A
 * detector is fitted on normal data only, calibrates its own threshold on a
 * held-back part of that data, scores one sample at a time, and explains
 * each score per feature (sensor).
 */

/** One observation. For PLC data: one phase of one cycle, features s1..s5, `group` = phase 1..5. */
export interface Sample {
  /** Whose statistics apply: the phase (1..5) for PLC data; 0 for data without phases (SKAB). */
  readonly group: number;
  /** Feature values in the detector's feature order; null = missing (NaN, ±Infinity and absent values arrive as null). */
  readonly values: readonly (number | null)[];
}

/** A time-ordered series from one source (one PLC, one SKAB file): sequence detectors keep state along it. */
export type Stream = readonly Sample[];

export interface FeatureFinding {
  /** 0-based feature index (s1 = 0). */
  readonly index: number;
  readonly value: number | null;
  /** What the detector expected (mean, reconstruction, forecast). */
  readonly expected: number;
  /** The normal range the detector learned or was given for this feature in this group. */
  readonly range: readonly [min: number, max: number];
  /** This feature's share of the score, >= 0; the explanation ranks features by it. */
  readonly contribution: number;
}

export interface Score {
  readonly score: number;
  readonly threshold: number;
  readonly isAnomaly: boolean;
  /** 0..1, how sure: grows with score / threshold. */
  readonly confidence: number;
  /** Features blamed, most to blame first; empty when normal. */
  readonly affected: readonly number[];
  readonly findings: readonly FeatureFinding[];
}

/** Input the detector cannot score: a reason code from the error catalogue, never a silent "normal". */
export interface Unusable {
  readonly unusable: true;
  readonly code: string;
  readonly message: string;
}

export type ScoreResult = Score | Unusable;

/** Keeps one stream's state (EWMA, an LSTM window). Create one per PLC or per file. */
export interface StreamScorer {
  score(sample: Sample): ScoreResult;
}

export interface FitOptions {
  /** Feature names, e.g. ["s1", …, "s5"]; a saved model refuses data with other features. */
  readonly features: readonly string[];
  /** Share of each normal stream's tail held back to calibrate the threshold (default 0.2). */
  readonly calibrationShare?: number;
  /** Percentile of the held-back scores used as threshold, 0..100 (default per detector). */
  readonly thresholdPercentile?: number;
  /** Seed for detectors with randomness (isolation forest, network initialisation). */
  readonly seed?: number;
  /** Called with 0..1 during long fits, for progress bars. */
  readonly onProgress?: (done: number, info?: string) => void;
}

export interface FitReport {
  readonly samples: number;
  readonly threshold: number;
  /** Anything the detector wants recorded in the model registry (losses, epochs, components). */
  readonly metrics: Readonly<Record<string, number>>;
}

/** What the model registry stores: JSON parameters plus optional binary weights. */
export interface DetectorArtefact {
  readonly detector: string;
  readonly formatVersion: number;
  readonly features: readonly string[];
  readonly params: unknown;
  readonly weights?: Uint8Array;
}

export interface Detector {
  /** Stable name, as in reports and `--detector`. */
  readonly name: string;
  /** True once fitted (or loaded): scoring before that is a programming error. */
  readonly fitted: boolean;
  fit(streams: readonly Stream[], options: FitOptions): Promise<FitReport>;
  scorer(): StreamScorer;
  save(): DetectorArtefact;
}
