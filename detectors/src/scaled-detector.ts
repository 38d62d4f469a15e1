import { StartupError, fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { checkArtefact, isFiniteNumber } from './artefact.js';
import { calibrateThreshold } from './calibrate-threshold.js';
import type { ThresholdRule } from './calibrate-threshold.js';
import type { Detector, DetectorArtefact, FeatureFinding, FitOptions, FitReport, Sample, ScoreResult, Stream, StreamScorer } from './detector.js';
import { fitGroupScaler, scalerFromJson, scalerToJson, standardise } from './group-scaler.js';
import type { GroupScaler } from './group-scaler.js';
import { LazyScore, checkSample, splitForCalibration, unusable, usableSamples } from './score-support.js';

/**
 * The shape shared by ewma, pca and isolation-forest: standardise each
 * sample with its group's normal mean and std (group-scaler.ts), then a
 * model scores the standardised vector, possibly with per-stream state.
 * This file owns fitting order, calibration, explanation and artefacts.
 */
export interface ScaledStep {
  readonly score: number;
  /** Per feature, >= 0. */
  readonly contributions: readonly number[];
  /** What the model expected, standardised (default 0 = the group mean). */
  readonly expected?: readonly number[];
}

export interface ScaledKind<M> {
  readonly name: string;
  readonly formatVersion: number;
  readonly rule: Partial<ThresholdRule>;
  /** Learns from standardised normal rows (in stream order, streams concatenated). */
  fitModel(rows: readonly number[][], options: FitOptions): M;
  /** A scorer with fresh per-stream state. */
  stepper(model: M): (z: readonly number[]) => ScaledStep;
  toJson(model: M): unknown;
  fromJson(params: unknown, width: number): Result<M>;
  /** Fit metrics for the registry (components kept, trees…). */
  metrics?(model: M): Record<string, number>;
}

/** The explanation's range: the group's learned 3σ band. */
const RANGE_SIGMAS = 3;

interface State<M> {
  features: readonly string[];
  scaler: GroupScaler;
  model: M;
  threshold: number;
}

export function createScaledDetector<M>(kind: ScaledKind<M>, restored?: State<M>): Detector {
  let st: State<M> | undefined = restored;

  const scorerOf = (s: State<M>): StreamScorer => {
    const step = kind.stepper(s.model);
    // Built only when read (LazyScore): from the sample, its group's statistics and the model's step.
    const explain = (sample: Sample, r: ScaledStep): FeatureFinding[] => {
      const g = s.scaler.groups.get(sample.group)!;
      return sample.values.map((value, index) => {
        const mean = g.mean[index]!;
        const std = g.std[index]!;
        return {
          index,
          value: value as number,
          expected: mean + (r.expected?.[index] ?? 0) * std,
          range: [mean - RANGE_SIGMAS * std, mean + RANGE_SIGMAS * std],
          contribution: r.contributions[index] ?? 0,
        };
      });
    };
    return {
      score(sample: Sample): ScoreResult {
        const bad = checkSample(sample, s.features);
        if (bad) return bad;
        const z = standardise(s.scaler, sample);
        if (!z) return unusable('DETECTOR_UNKNOWN_GROUP', `group (phase) ${sample.group} is not one of ${[...s.scaler.groups.keys()].join(', ')}`);
        const r = step(z);
        return new LazyScore(r.score, s.threshold, explain, sample, r);
      },
    };
  };

  return {
    name: kind.name,
    get fitted() {
      return st !== undefined;
    },
    async fit(streams: readonly Stream[], options: FitOptions): Promise<FitReport> {
      const { fit, calibration } = splitForCalibration(streams, options.calibrationShare);
      const usable = usableSamples(fit, options.features);
      if (usable.length < Math.max(8, 2 * options.features.length)) {
        throw new StartupError('DETECTOR_FIT_FAILED', `${kind.name}: ${usable.length} usable normal samples for ${options.features.length} features`, 'give it more normal data');
      }
      const scaler = fitGroupScaler(usable, options.features.length);
      const rows = usable.map((x) => standardise(scaler, x)!);
      const model = kind.fitModel(rows, options);
      const draft: State<M> = { features: options.features, scaler, model, threshold: Number.POSITIVE_INFINITY };
      const scores: number[] = [];
      for (const stream of calibration) {
        const sc = scorerOf(draft);
        for (const x of stream) {
          const r = sc.score(x);
          if (!('unusable' in r)) scores.push(r.score);
        }
      }
      if (scores.length === 0) throw new StartupError('DETECTOR_FIT_FAILED', `${kind.name}: no usable held-back samples to calibrate on`, 'give it longer normal streams');
      const rule = { ...kind.rule, ...(options.thresholdPercentile === undefined ? {} : { percentile: options.thresholdPercentile }) };
      st = { ...draft, threshold: calibrateThreshold(scores, rule) };
      options.onProgress?.(1);
      return { samples: usable.length, threshold: st.threshold, metrics: { calibration_samples: scores.length, ...(kind.metrics?.(model) ?? {}) } };
    },
    scorer() {
      if (!st) throw new Error(`${kind.name}: scorer() before fit() or load`);
      return scorerOf(st);
    },
    save(): DetectorArtefact {
      if (!st) throw new Error(`${kind.name}: save() before fit()`);
      return {
        detector: kind.name,
        formatVersion: kind.formatVersion,
        features: st.features,
        params: { threshold: st.threshold, scaler: scalerToJson(st.scaler), model: kind.toJson(st.model) },
      };
    },
  };
}

export function restoreScaledDetector<M>(kind: ScaledKind<M>, artefact: unknown): Result<Detector> {
  const a = checkArtefact(artefact, kind.name, kind.formatVersion);
  if (!a.ok) return a;
  const p = a.value.params as { threshold?: unknown; scaler?: unknown; model?: unknown };
  const width = a.value.features.length;
  if (!isFiniteNumber(p.threshold)) return fail('DETECTOR_ARTEFACT_CORRUPT', `${kind.name}: threshold missing`, 'params.threshold');
  const scaler = scalerFromJson(p.scaler, width);
  if (!scaler.ok) return scaler;
  const model = kind.fromJson(p.model, width);
  if (!model.ok) return model;
  return ok(createScaledDetector(kind, { features: a.value.features, scaler: scaler.value, model: model.value, threshold: p.threshold }));
}
