-- Anomaly reports written by detect-anomaly (issue 5), read by the REST API,
-- the alert client and the dashboards (issue 6). Only anomalies and unusable
-- input are reported: a normal cycle leaves no row.
CREATE TABLE anomaly_reports (
  id               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  plc_id           smallint         NOT NULL CHECK (plc_id BETWEEN 1 AND 32767),
  cycle_no         bigint           NULL CHECK (cycle_no >= 0),
  phase            smallint         NULL CHECK (phase BETWEEN 1 AND 5),
  ts               timestamptz      NOT NULL,
  detector         text             NOT NULL CHECK (length(detector) BETWEEN 1 AND 100),
  model_version    integer          NULL,
  status           text             NOT NULL DEFAULT 'scored' CHECK (status IN ('scored', 'unusable')),
  reason           text             NULL,
  score            double precision NULL,
  threshold        double precision NULL,
  is_anomaly       boolean          NOT NULL,
  confidence       real             NULL CHECK (confidence BETWEEN 0 AND 1),
  affected_sensors text[]           NOT NULL DEFAULT '{}',
  report           jsonb            NOT NULL,
  created_at       timestamptz      NOT NULL DEFAULT now(),
  acknowledged_at  timestamptz      NULL,
  acknowledged_by  text             NULL,
  -- A redelivered text stage must not report the same cycle twice.
  UNIQUE (plc_id, ts, detector)
);
CREATE INDEX anomaly_reports_plc_ts ON anomaly_reports (plc_id, ts);
CREATE INDEX anomaly_reports_unacknowledged ON anomaly_reports (created_at) WHERE acknowledged_at IS NULL;
COMMENT ON TABLE anomaly_reports IS 'One row per anomaly (or unusable input) found by detect-anomaly; report holds the full JSON report (docs/anomaly-report.schema.json).';
COMMENT ON COLUMN anomaly_reports.plc_id IS 'Device id of the PLC (or sensor) whose data was scored.';
COMMENT ON COLUMN anomaly_reports.cycle_no IS 'Cycle counter of the scored cycle; NULL for reading streams.';
COMMENT ON COLUMN anomaly_reports.phase IS 'Phase 1..5 that scored worst; NULL when the whole cycle (or no phase) is meant.';
COMMENT ON COLUMN anomaly_reports.ts IS 'Time of the scored data: the cycle start, or the reading time.';
COMMENT ON COLUMN anomaly_reports.detector IS 'Detector name, e.g. phase-range, zscore, isolation-forest, dense-autoencoder.';
COMMENT ON COLUMN anomaly_reports.model_version IS 'Version in the model registry of the model that scored; NULL for detectors without a trained model.';
COMMENT ON COLUMN anomaly_reports.status IS 'scored: the detector scored the data; unusable: the input could not be scored (reason says why).';
COMMENT ON COLUMN anomaly_reports.reason IS 'Stable error code when status = unusable (core/src/errors/catalogue.ts).';
COMMENT ON COLUMN anomaly_reports.score IS 'Anomaly score; comparable with threshold only within one detector and model version.';
COMMENT ON COLUMN anomaly_reports.threshold IS 'Calibrated threshold the score was compared with.';
COMMENT ON COLUMN anomaly_reports.is_anomaly IS 'score > threshold.';
COMMENT ON COLUMN anomaly_reports.confidence IS '0..1: how sure the detector is that this is an anomaly.';
COMMENT ON COLUMN anomaly_reports.affected_sensors IS 'Sensors the explanation blames, e.g. {s2,s4}.';
COMMENT ON COLUMN anomaly_reports.report IS 'The report as published on anomaly/{plc}/report.';
COMMENT ON COLUMN anomaly_reports.acknowledged_at IS 'When an operator acknowledged the alert (REST API, operator role); NULL = open.';
COMMENT ON COLUMN anomaly_reports.acknowledged_by IS 'Who acknowledged it (the JWT subject).';
