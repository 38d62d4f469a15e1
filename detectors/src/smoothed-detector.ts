import { StartupError, fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { isFiniteNumber } from './artefact.js';
import { calibrateThreshold } from './calibrate-threshold.js';
import type { Detector, FeatureFinding, FitOptions, FitReport, Sample, Score, ScoreResult, Stream, StreamScorer } from './detector.js';
import { LazyScore, splitForCalibration } from './score-support.js';

/**
 * Any detector, its score averaged over a short TRAILING window of the
 * stream (causal: a score never looks ahead). Anomalies that last (a valve
 * closing, a drift) stand out of single-sample noise; a lone spike is
 * diluted, so this is for data whose anomalies are segments (SKAB). The
 * threshold is recalibrated on the smoothed held-back scores with the same
 * rule. Unusable samples pass through and do not enter the window.
 */
const FORMAT_VERSION = 1;

/** The inner score's findings, contributions rescaled to the averaged score (built when read: LazyScore). */
const rescaled = (_sample: Sample, r: Score, mean: number): FeatureFinding[] =>
  r.findings.map((f) => ({ ...f, contribution: r.score > 0 ? (f.contribution * mean) / r.score : 0 }));

interface State {
  threshold: number;
}

export function createSmoothedDetector(inner: Detector, window: number, restored?: State): Detector {
  if (!(Number.isInteger(window) && window >= 1)) throw new StartupError('CONFIG_INVALID', `smoothing window ${window} must be an integer >= 1`, 'use e.g. 5');
  let st = restored;
  const name = `${inner.name}~${window}`;

  const scorerOf = (threshold: number): StreamScorer => {
    const base = inner.scorer();
    const recent: number[] = [];
    let sum = 0;
    return {
      score(sample): ScoreResult {
        const r = base.score(sample);
        if ('unusable' in r) return r;
        recent.push(r.score);
        sum += r.score;
        if (recent.length > window) sum -= recent.shift()!;
        return new LazyScore(sum / recent.length, threshold, rescaled, sample, r);
      },
    };
  };

  return {
    name,
    get fitted() {
      return st !== undefined && inner.fitted;
    },
    async fit(streams: readonly Stream[], options: FitOptions): Promise<FitReport> {
      const report = await inner.fit(streams, options);
      const { calibration } = splitForCalibration(streams, options.calibrationShare);
      const scores: number[] = [];
      for (const stream of calibration) {
        const sc = scorerOf(Number.POSITIVE_INFINITY);
        for (const x of stream) {
          const r = sc.score(x);
          if (!('unusable' in r)) scores.push((r as Score).score);
        }
      }
      const percentile = options.thresholdPercentile;
      st = { threshold: calibrateThreshold(scores, percentile === undefined ? {} : { percentile }) };
      return { ...report, threshold: st.threshold, metrics: { ...report.metrics, window } };
    },
    scorer() {
      if (!st) throw new Error(`${name}: scorer() before fit() or load`);
      return scorerOf(st.threshold);
    },
    save() {
      if (!st) throw new Error(`${name}: save() before fit()`);
      const a = inner.save();
      return { ...a, detector: name, params: { smoothing: { window, threshold: st.threshold, formatVersion: FORMAT_VERSION, innerFormatVersion: a.formatVersion }, inner: a.params } };
    },
  };
}

/** Parses `<inner>~<window>` artefacts; `restoreInner` rebuilds the inner detector from its own artefact. */
export function restoreSmoothedDetector(artefact: unknown, restoreInner: (a: unknown) => Result<Detector>): Result<Detector> {
  const a = artefact as { detector?: unknown; params?: { smoothing?: { window?: unknown; threshold?: unknown; innerFormatVersion?: unknown }; inner?: unknown } } | null;
  const m = typeof a?.detector === 'string' ? /^(.+)~(\d+)$/.exec(a.detector) : null;
  const sm = a?.params?.smoothing;
  if (!a || !m || !sm || !isFiniteNumber(sm.threshold) || sm.window !== Number(m[2]) || !isFiniteNumber(sm.innerFormatVersion)) {
    return fail('DETECTOR_ARTEFACT_CORRUPT', 'smoothed artefact needs params.smoothing {window, threshold, innerFormatVersion} and params.inner', 'params.smoothing');
  }
  const inner = restoreInner({ ...a, detector: m[1], formatVersion: sm.innerFormatVersion, params: a.params?.inner });
  if (!inner.ok) return inner;
  return ok(createSmoothedDetector(inner.value, Number(m[2]), { threshold: sm.threshold }));
}
