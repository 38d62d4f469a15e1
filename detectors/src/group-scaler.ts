import { fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { isNumberArray } from './artefact.js';
import { scaleFloor } from './band-kinds.js';
import type { Sample } from './detector.js';
import { groupSamples, meanStd } from './score-support.js';

/**
 * Standardises each feature with its group's (phase's) normal mean and std,
 * so multivariate and sequence detectors see one distribution instead of
 * five phase levels. Serialisable as plain JSON.
 */
export interface GroupScaler {
  readonly groups: ReadonlyMap<number, { readonly mean: readonly number[]; readonly std: readonly number[] }>;
}

export function fitGroupScaler(samples: readonly Sample[], width: number): GroupScaler {
  const groups = new Map<number, { mean: number[]; std: number[] }>();
  for (const [g, ss] of groupSamples(samples)) {
    const stats = Array.from({ length: width }, (_, i) => meanStd(ss.map((s) => s.values[i] as number)));
    groups.set(g, { mean: stats.map((x) => x.mean), std: stats.map((x) => Math.max(x.std, scaleFloor(x.mean))) });
  }
  return { groups };
}

/** The standardised values, or undefined for a group the scaler never saw. Values must be usable (checkSample). */
export function standardise(scaler: GroupScaler, sample: Sample): number[] | undefined {
  const g = scaler.groups.get(sample.group);
  if (!g) return undefined;
  return sample.values.map((v, i) => ((v as number) - g.mean[i]!) / g.std[i]!);
}

export const scalerToJson = (s: GroupScaler) => [...s.groups].map(([group, { mean, std }]) => ({ group, mean, std }));

export function scalerFromJson(x: unknown, width: number): Result<GroupScaler> {
  if (!Array.isArray(x) || x.length === 0) return fail('DETECTOR_ARTEFACT_CORRUPT', 'scaler groups missing', 'params.scaler');
  const groups = new Map<number, { mean: number[]; std: number[] }>();
  for (const g of x as { group?: unknown; mean?: unknown; std?: unknown }[]) {
    if (!Number.isInteger(g.group) || !isNumberArray(g.mean, width) || !isNumberArray(g.std, width) || !g.std.every((v) => v > 0)) {
      return fail('DETECTOR_ARTEFACT_CORRUPT', `scaler group needs ${width} means and ${width} positive stds`, 'params.scaler');
    }
    groups.set(g.group as number, { mean: g.mean, std: g.std });
  }
  return ok({ groups });
}
