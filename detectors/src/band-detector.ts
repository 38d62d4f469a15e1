import { StartupError, fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { calibrateThreshold } from './calibrate-threshold.js';
import type { ThresholdRule } from './calibrate-threshold.js';
import { checkArtefact, isFiniteNumber } from './artefact.js';
import type { Detector, DetectorArtefact, FeatureFinding, FitOptions, FitReport, Sample, ScoreResult, Stream } from './detector.js';
import { LazyScore, checkSample, groupSamples, splitForCalibration, unusable, usableSamples } from './score-support.js';

/**
 * The shape shared by phase-range, zscore and iqr: per group (phase) and
 * feature a band [lo, hi] with a scale; a value's deviation is its distance
 * outside the band in scales (z-score: lo = hi = mean, scale = std). The
 * score is the largest deviation, each feature's deviation its contribution,
 * so the explanation names the sensor that broke its band.
 */
export interface Band {
  readonly expected: number;
  readonly lo: number;
  readonly hi: number;
  readonly scale: number;
}

/** Bands per group: group → one band per feature. */
export type Bands = ReadonlyMap<number, readonly Band[]>;

export interface BandKind {
  readonly name: string;
  /** Learns bands from usable normal samples, by group. */
  fitBands(byGroup: ReadonlyMap<number, readonly Sample[]>, features: readonly string[]): Bands;
  readonly rule: Partial<ThresholdRule>;
}

const FORMAT_VERSION = 1;

export const deviation = (v: number, b: Band): number => Math.max(0, b.lo - v, v - b.hi) / b.scale;

interface State {
  features: readonly string[];
  bands: Bands;
  threshold: number;
}

export function createBandDetector(kind: BandKind, restored?: State): Detector {
  let st: State | undefined = restored;

  const scoreOne = (s: State, sample: Sample): ScoreResult => {
    const bad = checkSample(sample, s.features);
    if (bad) return bad;
    const bands = s.bands.get(sample.group);
    if (!bands) return unusable('DETECTOR_UNKNOWN_GROUP', `group (phase) ${sample.group} is not one of ${[...s.bands.keys()].join(', ')}`);
    // The largest deviation, in a loop: the findings are built only if read (LazyScore).
    let score = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < bands.length; i++) score = Math.max(score, deviation(sample.values[i] as number, bands[i]!));
    return new LazyScore(score, s.threshold, bandFindings, sample, s);
  };

  return {
    name: kind.name,
    get fitted() {
      return st !== undefined;
    },
    async fit(streams: readonly Stream[], options: FitOptions): Promise<FitReport> {
      const { fit, calibration } = splitForCalibration(streams, options.calibrationShare);
      const usable = usableSamples(fit, options.features);
      if (usable.length < 2) throw new StartupError('DETECTOR_FIT_FAILED', `${kind.name}: ${usable.length} usable normal samples to fit on`, 'give it more normal data');
      const bands = kind.fitBands(groupSamples(usable), options.features);
      const draft: State = { features: options.features, bands, threshold: Number.POSITIVE_INFINITY };
      const scores = calibration.flat().map((x) => scoreOne(draft, x)).flatMap((r) => ('unusable' in r ? [] : [r.score]));
      const rule = { ...kind.rule, ...(options.thresholdPercentile === undefined ? {} : { percentile: options.thresholdPercentile }) };
      st = { ...draft, threshold: calibrateThreshold(scores.length ? scores : [0], rule) };
      options.onProgress?.(1);
      return { samples: usable.length, threshold: st.threshold, metrics: { groups: bands.size, calibration_samples: scores.length } };
    },
    scorer() {
      const s = st;
      if (!s) throw new Error(`${kind.name}: scorer() before fit() or load`);
      return { score: (sample) => scoreOne(s, sample) };
    },
    save(): DetectorArtefact {
      if (!st) throw new Error(`${kind.name}: save() before fit()`);
      return {
        detector: kind.name,
        formatVersion: FORMAT_VERSION,
        features: st.features,
        params: { threshold: st.threshold, groups: [...st.bands].map(([group, bands]) => ({ group, bands })) },
      };
    },
  };
}

/** Each feature's band, widened by the threshold, and its deviation. */
function bandFindings(sample: Sample, s: State): FeatureFinding[] {
  const bands = s.bands.get(sample.group) ?? [];
  const t = s.threshold;
  return bands.map((b, index) => {
    const value = sample.values[index] as number;
    return { index, value, expected: b.expected, range: [b.lo - t * b.scale, b.hi + t * b.scale], contribution: deviation(value, b) };
  });
}

const isBand = (b: unknown): b is Band => {
  const r = b as Record<string, unknown>;
  return typeof b === 'object' && b !== null && isFiniteNumber(r.expected) && isFiniteNumber(r.lo) && isFiniteNumber(r.hi) && isFiniteNumber(r.scale) && r.scale > 0 && r.lo <= r.hi;
};

export function restoreBandDetector(kind: BandKind, artefact: unknown): Result<Detector> {
  const a = checkArtefact(artefact, kind.name, FORMAT_VERSION);
  if (!a.ok) return a;
  const p = a.value.params as { threshold?: unknown; groups?: unknown };
  const n = a.value.features.length;
  if (!isFiniteNumber(p.threshold) || !Array.isArray(p.groups) || p.groups.length === 0) return fail('DETECTOR_ARTEFACT_CORRUPT', `${kind.name}: params need a threshold and groups`, 'params');
  const bands = new Map<number, Band[]>();
  for (const g of p.groups as unknown[]) {
    const r = g as { group?: unknown; bands?: unknown };
    if (!Number.isInteger(r.group) || !Array.isArray(r.bands) || r.bands.length !== n || !r.bands.every(isBand)) return fail('DETECTOR_ARTEFACT_CORRUPT', `${kind.name}: a group has bad bands (need ${n} per group)`, 'params.groups');
    bands.set(r.group as number, r.bands);
  }
  return ok(createBandDetector(kind, { features: a.value.features, bands, threshold: p.threshold }));
}
