import { StartupError, TYPICAL_MODEL } from '@typedcluster/core';
import type { PhaseModel } from '@typedcluster/core';
import type { Band, BandKind, Bands } from './band-detector.js';
import type { Sample } from './detector.js';
import { percentileOfSorted } from './calibrate-threshold.js';
import { meanStd } from './score-support.js';

/**
 * The three band detectors (band-detector.ts): fixed phase ranges, z-score
 * and IQR per group and feature. Scales have a floor so a feature that was
 * constant in training (a quantised flow meter) is not infinitely sensitive:
 * 1e-3 of its magnitude, at least 1e-6.
 */
export const scaleFloor = (center: number): number => Math.max(1e-6, 1e-3 * Math.abs(center));

/** One band per group and feature, each from that feature's training values in that group. */
function bandsPerGroupAndFeature(byGroup: ReadonlyMap<number, readonly Sample[]>, features: readonly string[], bandOf: (values: number[]) => Band): Bands {
  const bands = new Map<number, Band[]>();
  for (const [g, samples] of byGroup) bands.set(g, features.map((_, i) => bandOf(samples.map((s) => s.values[i] as number))));
  return bands;
}

/**
 * phase-range: the user's phase model, ranges[sensor][phase], groups = phases
 * 1..5. Nothing is learned; normal data only confirms the features fit the
 * model. Its normal scores are 0, so the threshold is the floor: 2 % of a
 * range's width beyond its bound, a measurement tolerance, not a tuning.
 */
export function phaseRangeKind(model: PhaseModel = TYPICAL_MODEL): BandKind {
  return {
    name: 'phase-range',
    rule: { percentile: 100, margin: 0, floor: 0.02 },
    fitBands(_byGroup, features): Bands {
      if (features.length !== model.length) throw new StartupError('DETECTOR_FEATURES_MISMATCH', `phase-range: the phase model has ${model.length} sensors, the data ${features.length} (${features.join(', ')})`, 'use s1..s5 PLC data');
      const phases = model[0]?.length ?? 0;
      const bands = new Map<number, Band[]>();
      for (let p = 0; p < phases; p++) {
        bands.set(
          p + 1,
          model.map((ranges) => {
            const [lo, hi] = ranges[p] ?? [0, 0];
            return { expected: (lo + hi) / 2, lo, hi, scale: hi - lo > 0 ? hi - lo : 1 };
          }),
        );
      }
      return bands;
    },
  };
}

/** zscore: |x − mean| / std per group and feature, learned from normal history. */
export const zscoreKind: BandKind = {
  name: 'zscore',
  rule: { percentile: 99.5, margin: 0.1 },
  fitBands(byGroup, features) {
    return bandsPerGroupAndFeature(byGroup, features, (values) => {
      const { mean, std } = meanStd(values);
      return { expected: mean, lo: mean, hi: mean, scale: Math.max(std, scaleFloor(mean)) };
    });
  },
};

/** iqr: distance outside [Q1, Q3] in IQRs (Tukey's fences are 1.5) per group and feature. */
export const iqrKind: BandKind = {
  name: 'iqr',
  rule: { percentile: 99.5, margin: 0.1 },
  fitBands(byGroup, features) {
    return bandsPerGroupAndFeature(byGroup, features, (values) => {
      const sorted = values.sort((a, b) => a - b);
      const q1 = percentileOfSorted(sorted, 25);
      const q3 = percentileOfSorted(sorted, 75);
      const median = percentileOfSorted(sorted, 50);
      return { expected: median, lo: q1, hi: q3, scale: Math.max(q3 - q1, scaleFloor(median)) };
    });
  },
};
