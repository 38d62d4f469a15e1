-- 001_core: devices, their sessions, the frame ledger and the two measurement tables.
-- Applied once by core/src/db/migrations.ts inside a transaction; never edit after release,
-- add a new numbered file instead (see sql/README.md).

CREATE TABLE devices (
  id                  smallint    PRIMARY KEY CHECK (id BETWEEN 1 AND 32767),
  name                text        NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
  identity_public_key bytea       NOT NULL CHECK (octet_length(identity_public_key) = 32),
  created_at          timestamptz NOT NULL DEFAULT now(),
  revoked_at          timestamptz NULL
);
COMMENT ON TABLE devices IS 'Registered devices. Rows are never deleted: revocation sets revoked_at, so ids are never reused and old frames keep their owner.';
COMMENT ON COLUMN devices.id IS 'Device id as on the wire (u16 header field, 1..32767).';
COMMENT ON COLUMN devices.name IS 'Operator-chosen unique name.';
COMMENT ON COLUMN devices.identity_public_key IS 'Ed25519 public key (32 bytes) that verifies every frame signed by the device.';
COMMENT ON COLUMN devices.revoked_at IS 'When set, frames from this device are refused (UNKNOWN_DEVICE).';

CREATE TABLE device_sessions (
  device_id   smallint    NOT NULL REFERENCES devices (id),
  key_id      bigint      NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
  session_key bytea       NOT NULL CHECK (octet_length(session_key) = 32),
  opened_seq  bigint      NOT NULL CHECK (opened_seq >= 0),
  opened_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, key_id)
);
COMMENT ON TABLE device_sessions IS 'Session keys agreed by session frames; data frames name one by key_id.';
COMMENT ON COLUMN device_sessions.key_id IS 'Session key id chosen by the device (u32 on the wire).';
COMMENT ON COLUMN device_sessions.session_key IS 'Derived 32-byte AEAD key. Secret: readable only by the ingest path.';
COMMENT ON COLUMN device_sessions.opened_seq IS 'Sequence number of the session frame that opened the session.';

CREATE TABLE frames (
  device_id   smallint    NOT NULL REFERENCES devices (id),
  seq         bigint      NOT NULL CHECK (seq >= 0),
  type        smallint    NOT NULL,
  key_id      bigint      NOT NULL CHECK (key_id BETWEEN 0 AND 4294967295),
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (device_id, seq)
);
COMMENT ON TABLE frames IS 'Idempotency and replay ledger: one row per accepted frame. A (device_id, seq) already here is a duplicate; max(seq) per device is its high-water mark.';
COMMENT ON COLUMN frames.seq IS 'Frame sequence number (u64 on the wire, stored below 2^63).';
COMMENT ON COLUMN frames.type IS 'Wire frame type byte (docs/wire-format.md §2.1): 1 session, 2 reading, 3 cycle.';
COMMENT ON COLUMN frames.key_id IS 'Session key id the frame was encrypted with.';

-- Measurement rows are written in the same transaction as their frames row,
-- by the reading store only; no foreign key to frames, to keep bulk inserts cheap.
CREATE TABLE readings (
  device_id   smallint    NOT NULL,
  seq         bigint      NOT NULL,
  ts          timestamptz NOT NULL,
  temperature real        NULL,
  pressure    real        NULL,
  humidity    real        NULL,
  PRIMARY KEY (device_id, seq)
);
CREATE INDEX readings_device_ts ON readings (device_id, ts);
COMMENT ON TABLE readings IS 'One row per reading frame (type 2).';
COMMENT ON COLUMN readings.ts IS 'Measurement time from the frame (millisecond precision, UTC).';
COMMENT ON COLUMN readings.temperature IS 'Degrees Celsius; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN readings.pressure IS 'Pressure as sent by the device; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN readings.humidity IS 'Relative humidity in percent; NULL when the sensor sent NaN or Infinity.';

CREATE TABLE cycle_phases (
  device_id   smallint    NOT NULL,
  seq         bigint      NOT NULL,
  cycle_start timestamptz NOT NULL,
  cycle_no    bigint      NOT NULL CHECK (cycle_no >= 0),
  phase       smallint    NOT NULL CHECK (phase BETWEEN 1 AND 5),
  phase_start timestamptz NOT NULL,
  s1          real        NULL,
  s2          real        NULL,
  s3          real        NULL,
  s4          real        NULL,
  s5          real        NULL,
  PRIMARY KEY (device_id, seq, phase)
);
CREATE INDEX cycle_phases_device_phase_start ON cycle_phases (device_id, phase_start);
COMMENT ON TABLE cycle_phases IS 'A cycle frame (type 3) is 5 rows, one per 6-second phase of its 30-second cycle.';
COMMENT ON COLUMN cycle_phases.cycle_start IS 'Start of the 30-second cycle.';
COMMENT ON COLUMN cycle_phases.cycle_no IS 'Cycle counter sent by the device (u32).';
COMMENT ON COLUMN cycle_phases.phase IS 'Phase 1..5 of the cycle.';
COMMENT ON COLUMN cycle_phases.phase_start IS 'cycle_start + (phase - 1) * 6 s; stored so time-range queries can use the index.';
COMMENT ON COLUMN cycle_phases.s1 IS 'Sensor 1 value in this phase; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN cycle_phases.s2 IS 'Sensor 2 value in this phase; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN cycle_phases.s3 IS 'Sensor 3 value in this phase; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN cycle_phases.s4 IS 'Sensor 4 value in this phase; NULL when the sensor sent NaN or Infinity.';
COMMENT ON COLUMN cycle_phases.s5 IS 'Sensor 5 value in this phase; NULL when the sensor sent NaN or Infinity.';
