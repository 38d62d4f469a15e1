-- The model registry (issue 5): every trained detector version, its
-- parameters, metrics and artefact. `typedcluster train` writes rows,
-- `typedcluster models activate` flips `active`, and detect-anomaly polls the
-- active version and hot-reloads it (docs/training.md).
CREATE TABLE model_registry (
  algorithm      text        NOT NULL CHECK (length(algorithm) BETWEEN 1 AND 100),
  version        integer     NOT NULL CHECK (version >= 1),
  format_version integer     NOT NULL CHECK (format_version >= 1),
  features       text[]      NOT NULL CHECK (cardinality(features) >= 1),
  params         jsonb       NOT NULL,
  metrics        jsonb       NOT NULL DEFAULT '{}',
  trained_on     jsonb       NOT NULL DEFAULT '{}',
  artefact       bytea       NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  active         boolean     NOT NULL DEFAULT false,
  activated_at   timestamptz NULL,
  PRIMARY KEY (algorithm, version)
);
-- At most one active version per algorithm.
CREATE UNIQUE INDEX model_registry_one_active ON model_registry (algorithm) WHERE active;
COMMENT ON TABLE model_registry IS 'Trained detector versions; detect-anomaly scores with the active one (docs/training.md).';
COMMENT ON COLUMN model_registry.algorithm IS 'Detector name, e.g. dense-autoencoder, lstm-autoencoder, isolation-forest.';
COMMENT ON COLUMN model_registry.version IS '1, 2, … per algorithm, in order of training.';
COMMENT ON COLUMN model_registry.format_version IS 'Artefact format version of the detector code that saved it; a loader refuses others.';
COMMENT ON COLUMN model_registry.features IS 'Feature (sensor) names in model order, e.g. {s1,s2,s3,s4,s5}; data with other features is refused.';
COMMENT ON COLUMN model_registry.params IS 'The detector''s JSON parameters: network shape, normalisation per phase and sensor, threshold, weight manifest.';
COMMENT ON COLUMN model_registry.metrics IS 'Training metrics: epochs, losses, samples, training seconds, calibration samples.';
COMMENT ON COLUMN model_registry.trained_on IS 'Where the training data came from: directory or database, PLCs, time range.';
COMMENT ON COLUMN model_registry.artefact IS 'Binary weights (float32 little-endian, SHA-256 in params); NULL for detectors without weights.';
COMMENT ON COLUMN model_registry.active IS 'True for the version detect-anomaly uses; at most one per algorithm.';
COMMENT ON COLUMN model_registry.activated_at IS 'When this version was last activated; the newest active row wins when detect-anomaly runs with DETECTOR=auto.';
