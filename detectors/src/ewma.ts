import { fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { isFiniteNumber } from './artefact.js';
import type { Detector } from './detector.js';
import { createScaledDetector, restoreScaledDetector } from './scaled-detector.js';
import type { ScaledKind } from './scaled-detector.js';

/**
 * ewma: an EWMA control chart per sensor over the stream of standardised
 * residuals (value − its phase's normal mean, in stds). e_t = λ·z_t +
 * (1 − λ)·e_{t−1}, statistic |e_t| / sqrt(λ / (2 − λ)), its steady-state
 * std, so it reads like a z-score. It catches small persistent shifts
 * (drift) that a single-sample test misses. λ = 0.2 is the textbook chart
 * (Montgomery), not tuned to a data set. State is per stream (PLC, file).
 */
export const EWMA_LAMBDA = 0.2;

interface EwmaModel {
  readonly lambda: number;
}

export function ewmaKind(lambda = EWMA_LAMBDA): ScaledKind<EwmaModel> {
  return {
    name: 'ewma',
    formatVersion: 1,
    rule: { percentile: 99.5, margin: 0.1 },
    fitModel: () => ({ lambda }),
    stepper(model) {
      const sd = Math.sqrt(model.lambda / (2 - model.lambda));
      let e: number[] | undefined;
      return (z) => {
        e = z.map((x, i) => model.lambda * x + (1 - model.lambda) * (e?.[i] ?? 0));
        const stats = e.map((x) => Math.abs(x) / sd);
        return { score: Math.max(...stats), contributions: stats, expected: e };
      };
    },
    toJson: (m) => m,
    fromJson(x: unknown): Result<EwmaModel> {
      const l = (x as { lambda?: unknown } | null)?.lambda;
      return isFiniteNumber(l) && l > 0 && l <= 1 ? ok({ lambda: l }) : fail('DETECTOR_ARTEFACT_CORRUPT', 'ewma: lambda must be in (0, 1]', 'params.model.lambda');
    },
    metrics: (m) => ({ lambda: m.lambda }),
  };
}

export const createEwmaDetector = (lambda = EWMA_LAMBDA): Detector => createScaledDetector(ewmaKind(lambda));
export const restoreEwmaDetector = (a: unknown): Result<Detector> => restoreScaledDetector(ewmaKind(), a);
