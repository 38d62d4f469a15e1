import { fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import { isFiniteNumber, isNumberArray } from './artefact.js';
import type { Detector } from './detector.js';
import { createScaledDetector, restoreScaledDetector } from './scaled-detector.js';
import type { ScaledKind } from './scaled-detector.js';
import { symmetricEigen } from './symmetric-eigen.js';

/**
 * pca: Hotelling's T² inside the principal subspace plus Q (squared
 * prediction error) outside it, on standardised features. Components are
 * kept until they explain VARIANCE_KEPT of the variance (a common rule, not
 * tuned). Score = T²/mean(T²) + Q/mean(Q) over the fit data, so both parts
 * weigh alike. A sensor that breaks the usual correlations shows in Q even
 * when each value is in its own range.
 */
export const VARIANCE_KEPT = 0.9;

interface PcaModel {
  /** Kept components as rows: components[i][feature]. */
  readonly components: readonly (readonly number[])[];
  readonly variances: readonly number[];
  readonly t2Mean: number;
  readonly qMean: number;
}

function project(m: Pick<PcaModel, 'components' | 'variances'>, z: readonly number[]) {
  const t = m.components.map((c) => c.reduce((s, w, j) => s + w * z[j]!, 0));
  const recon = z.map((_, j) => m.components.reduce((s, c, i) => s + c[j]! * t[i]!, 0));
  const resid = z.map((x, j) => x - recon[j]!);
  const t2 = t.reduce((s, ti, i) => s + (ti * ti) / m.variances[i]!, 0);
  const q = resid.reduce((s, r) => s + r * r, 0);
  return { t, recon, resid, t2, q };
}

export const pcaKind: ScaledKind<PcaModel> = {
  name: 'pca',
  formatVersion: 1,
  rule: { percentile: 99.5, margin: 0.1 },
  fitModel(rows) {
    const d = rows[0]?.length ?? 0;
    const cov = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    for (const r of rows) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i]![j]! += ((r[i]! - mean[i]!) * (r[j]! - mean[j]!)) / Math.max(1, rows.length - 1);
    const { values, vectors } = symmetricEigen(cov);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0) || 1;
    const floor = 1e-6 * Math.max(1e-12, values[0] ?? 1);
    let k = 0;
    let acc = 0;
    while (k < d && acc / total < VARIANCE_KEPT) acc += Math.max(0, values[k++]!);
    const components = Array.from({ length: k }, (_, i) => vectors.map((row) => row[i]!));
    const variances = values.slice(0, k).map((v) => Math.max(v, floor));
    const fitted = rows.map((r) => project({ components, variances }, r));
    const t2Mean = Math.max(1e-9, fitted.reduce((s, f) => s + f.t2, 0) / rows.length);
    const qMean = Math.max(1e-9, fitted.reduce((s, f) => s + f.q, 0) / rows.length);
    return { components, variances, t2Mean, qMean };
  },
  stepper(m) {
    return (z) => {
      const { t, recon, resid, t2, q } = project(m, z);
      // T² contribution of feature j: z_j · Σ_i p_ij t_i / λ_i (sums to T²); negative parts clipped.
      const contributions = z.map((zj, j) => {
        const t2j = zj * m.components.reduce((s, c, i) => s + (c[j]! * t[i]!) / m.variances[i]!, 0);
        return Math.max(0, t2j) / m.t2Mean + (resid[j]! * resid[j]!) / m.qMean;
      });
      return { score: t2 / m.t2Mean + q / m.qMean, contributions, expected: recon };
    };
  },
  toJson: (m) => m,
  fromJson(x, width): Result<PcaModel> {
    const p = x as Partial<Record<keyof PcaModel, unknown>> | null;
    if (!p || !Array.isArray(p.components) || !p.components.every((c) => isNumberArray(c, width)) || !isNumberArray(p.variances, p.components.length) || !isFiniteNumber(p.t2Mean) || !isFiniteNumber(p.qMean)) {
      return fail('DETECTOR_ARTEFACT_CORRUPT', `pca: components must be rows of ${width} numbers with one variance each`, 'params.model');
    }
    return ok(p as PcaModel);
  },
  metrics: (m) => ({ components: m.components.length }),
};

export const createPcaDetector = (): Detector => createScaledDetector(pcaKind);
export const restorePcaDetector = (a: unknown): Result<Detector> => restoreScaledDetector(pcaKind, a);
