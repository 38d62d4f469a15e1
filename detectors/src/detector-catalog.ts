import { fail } from '@typedcluster/core';
import type { PhaseModel, Result } from '@typedcluster/core';
import { checkFeatures } from './artefact.js';
import { createBandDetector, restoreBandDetector } from './band-detector.js';
import { iqrKind, phaseRangeKind, zscoreKind } from './band-kinds.js';
import type { Detector } from './detector.js';
import { createDriftT2Detector, restoreDriftT2Detector } from './drift-t2.js';
import { createEwmaDetector, restoreEwmaDetector } from './ewma.js';
import { createIsolationForestDetector, restoreIsolationForestDetector } from './isolation-forest.js';
import { createPcaDetector, restorePcaDetector } from './pca.js';
import { createSmoothedDetector, restoreSmoothedDetector } from './smoothed-detector.js';
import { createAutoencoder, restoreAutoencoder } from './tf/autoencoder.js';

/**
 * Every detector by name: how to make a fresh one and how to restore a
 * saved one. `--detector`, the model registry and the detect function all
 * go through here. Add new detectors (the autoencoders) as entries.
 * A name `<detector>~<N>` is that detector with its score averaged over
 * the last N samples (smoothed-detector.ts).
 */
export interface DetectorOptions {
  readonly seed?: number;
  /** The plant's phase model (PHASE_MODEL_FILE); phase-range scores against it. Default: the built-in one. */
  readonly model?: PhaseModel;
}

export interface DetectorEntry {
  readonly summary: string;
  create(options?: DetectorOptions): Detector;
  restore(artefact: unknown): Result<Detector>;
}

export const DETECTORS: Record<string, DetectorEntry> = {
  'phase-range': {
    summary: 'fixed per-phase ranges of the phase model (PLC data only)',
    create: (o) => createBandDetector(phaseRangeKind(o?.model)),
    restore: (a) => restoreBandDetector(phaseRangeKind(), a),
  },
  zscore: { summary: 'z-score per group (phase) and sensor', create: () => createBandDetector(zscoreKind), restore: (a) => restoreBandDetector(zscoreKind, a) },
  iqr: { summary: 'distance outside [Q1, Q3] in IQRs per group and sensor', create: () => createBandDetector(iqrKind), restore: (a) => restoreBandDetector(iqrKind, a) },
  ewma: { summary: 'EWMA control chart per sensor on standardised residuals (stateful)', create: () => createEwmaDetector(), restore: restoreEwmaDetector },
  pca: { summary: "PCA Hotelling's T² + Q (SPE), multivariate", create: () => createPcaDetector(), restore: restorePcaDetector },
  'drift-t2': { summary: 'Hotelling T² (Ledoit–Wolf) with a learned per-sensor drift allowance, averaged over 60 samples', create: () => createDriftT2Detector(), restore: restoreDriftT2Detector },
  'isolation-forest': { summary: 'isolation forest, 100 trees × 256, seeded', create: (o) => createIsolationForestDetector(o?.seed), restore: restoreIsolationForestDetector },
  // TensorFlow.js (tf/autoencoder.ts): await useTfBackend() before restoring one.
  'dense-autoencoder': { summary: 'TensorFlow.js dense autoencoder on each phase sample, seeded, early stopping', create: (o) => createAutoencoder('dense', o), restore: (a) => restoreAutoencoder('dense', a) },
  'lstm-autoencoder': { summary: 'TensorFlow.js LSTM autoencoder on windows of 5 phases (stateful), seeded', create: (o) => createAutoencoder('lstm', o), restore: (a) => restoreAutoencoder('lstm', a) },
};

export const detectorNames = (): string[] => Object.keys(DETECTORS);

const parseName = (name: string): { base: string; window?: number } => {
  const m = /^(.+)~(\d+)$/.exec(name);
  return m ? { base: m[1]!, window: Number(m[2]) } : { base: name };
};

/** A fresh detector, or DETECTOR_UNKNOWN naming the known ones. */
export function createDetector(name: string, options?: DetectorOptions): Result<Detector> {
  const { base, window } = parseName(name);
  const entry = DETECTORS[base];
  if (!entry || window === 0) return fail('DETECTOR_UNKNOWN', `no detector "${name}"; known: ${detectorNames().join(', ')} (optionally <name>~<window>)`, 'detector');
  const d = entry.create(options);
  return { ok: true, value: window === undefined ? d : createSmoothedDetector(d, window) };
}

const restoreAny = (artefact: unknown): Result<Detector> => {
  const name = (artefact as { detector?: unknown } | null)?.detector;
  if (typeof name !== 'string') return fail('DETECTOR_ARTEFACT_CORRUPT', 'artefact names no detector', 'detector');
  const { base, window } = parseName(name);
  const entry = DETECTORS[base];
  if (!entry) return fail('DETECTOR_ARTEFACT_CORRUPT', `artefact names unknown detector "${name}"`, 'detector');
  return window === undefined ? entry.restore(artefact) : restoreSmoothedDetector(artefact, (a) => entry.restore(a));
};

/**
 * Restores a saved detector, validating everything. With `features`, also
 * refuses a model trained for another sensor set (DETECTOR_FEATURES_MISMATCH).
 */
export function loadDetector(artefact: unknown, features?: readonly string[]): Result<Detector> {
  const d = restoreAny(artefact);
  if (!d.ok || !features) return d;
  const f = checkFeatures((artefact as { features: string[] }).features, features);
  return f.ok ? d : f;
}
