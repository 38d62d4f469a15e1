import { fail, ok } from '@typedcluster/core';
import type { Result } from '@typedcluster/core';
import type { DetectorArtefact } from './detector.js';

/**
 * Checks the envelope of a saved detector before its params are trusted:
 * a corrupt or foreign artefact is a DETECTOR_ARTEFACT_CORRUPT value,
 * features other than the caller's a DETECTOR_FEATURES_MISMATCH.
 */
export function checkArtefact(a: unknown, detector: string, formatVersion: number): Result<DetectorArtefact> {
  if (typeof a !== 'object' || a === null) return fail('DETECTOR_ARTEFACT_CORRUPT', 'artefact is not an object');
  const r = a as Record<string, unknown>;
  if (r.detector !== detector) return fail('DETECTOR_ARTEFACT_CORRUPT', `artefact is for detector ${JSON.stringify(r.detector)}, not ${detector}`, 'detector');
  if (r.formatVersion !== formatVersion) return fail('DETECTOR_ARTEFACT_CORRUPT', `artefact format version ${JSON.stringify(r.formatVersion)} is not ${formatVersion}`, 'formatVersion');
  if (!Array.isArray(r.features) || r.features.length === 0 || !r.features.every((f) => typeof f === 'string')) return fail('DETECTOR_ARTEFACT_CORRUPT', 'artefact features must be a non-empty list of names', 'features');
  if (typeof r.params !== 'object' || r.params === null) return fail('DETECTOR_ARTEFACT_CORRUPT', 'artefact params are missing', 'params');
  return ok(a as DetectorArtefact);
}

/** DETECTOR_FEATURES_MISMATCH unless `got` names exactly the model's features, in order. */
export function checkFeatures(model: readonly string[], got: readonly string[]): Result<void> {
  if (model.length === got.length && model.every((f, i) => f === got[i])) return ok(undefined);
  return fail('DETECTOR_FEATURES_MISMATCH', `model was trained on [${model.join(', ')}], data has [${got.join(', ')}]`, 'features');
}

export const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export const isNumberArray = (x: unknown, length?: number): x is number[] =>
  Array.isArray(x) && (length === undefined || x.length === length) && x.every(isFiniteNumber);
