// The public surface of @typedcluster/detectors: one export list.
export type { Sample, Stream, FeatureFinding, Score, Unusable, ScoreResult, StreamScorer, FitOptions, FitReport, DetectorArtefact, Detector } from './detector.js';
