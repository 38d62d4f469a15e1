-- 005_api: the REST API schema (docs/rest-api.md). PostgREST in production and the
-- gateway's PostgREST-compatible endpoint on one box both serve the views of schema
-- `api` and switch per request to the role named by the JWT (web_anon without one).
-- Roles are cluster-wide and databases share a server (tests, several
-- installations): they are created idempotently and survive a dropped database.

-- Poll cursors: when a row was committed, so clients can ask for rows since their
-- last poll (with an overlap window: a transaction can commit after a later one).
-- now() is stable, so this adds the column without rewriting the table.
ALTER TABLE readings ADD COLUMN stored_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX readings_stored_at ON readings (stored_at);
COMMENT ON COLUMN readings.stored_at IS 'When the row was stored (transaction start); the REST poll cursor.';
ALTER TABLE cycle_phases ADD COLUMN stored_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX cycle_phases_stored_at ON cycle_phases (stored_at);
COMMENT ON COLUMN cycle_phases.stored_at IS 'When the row was stored (transaction start); the REST poll cursor.';

CREATE TABLE nodes (
  id         text        PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
  name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role       text        NOT NULL DEFAULT 'worker' CHECK (role IN ('master', 'worker')),
  address    text        NULL,
  status     text        NOT NULL DEFAULT 'unknown' CHECK (status IN ('up', 'down', 'unknown')),
  last_seen  timestamptz NULL,
  traffic    jsonb       NOT NULL DEFAULT '{}',
  congestion jsonb       NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE nodes IS 'Cluster nodes (the Pi and the Jetsons) as last seen by the presence probe.';
COMMENT ON COLUMN nodes.id IS 'Stable node id, e.g. the host name.';
COMMENT ON COLUMN nodes.name IS 'Display name.';
COMMENT ON COLUMN nodes.role IS 'master (runs the gateway and the database) or worker.';
COMMENT ON COLUMN nodes.address IS 'Address the probe reached the node at, e.g. 10.0.0.12.';
COMMENT ON COLUMN nodes.status IS 'up, down or unknown (never probed).';
COMMENT ON COLUMN nodes.last_seen IS 'When the node last answered the probe; NULL = never.';
COMMENT ON COLUMN nodes.traffic IS 'Traffic figures from the probe (JSON object, e.g. bytes and messages per second).';
COMMENT ON COLUMN nodes.congestion IS 'Congestion figures from the probe (JSON object, e.g. round-trip times, loss, queue depths).';
COMMENT ON COLUMN nodes.updated_at IS 'When the probe last wrote this row.';

-- Roles, as PostgREST expects them: it logs in as authenticator (NOINHERIT: no
-- rights of its own) and switches to web_anon or the JWT's role. A concurrent
-- migration in another database may create a role first: that is not an error.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('authenticator', 'LOGIN NOINHERIT', 'PostgREST login role: switches to web_anon or the JWT role. Set its password in production.'),
      ('web_anon', 'NOLOGIN', 'PostgREST anonymous role: reads the api views; no revoked devices, no acknowledged_by.'),
      ('operator', 'NOLOGIN', 'PostgREST role of operators (JWT role=operator): reads everything, acknowledges anomaly reports.')
    ) AS t(name, options, note) LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I %s', r.name, r.options);
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.name, r.note);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
  FOR r IN SELECT * FROM (VALUES ('web_anon'), ('operator')) AS t(name) LOOP
    IF NOT pg_has_role('authenticator', r.name, 'MEMBER') THEN
      BEGIN
        EXECUTE format('GRANT %I TO authenticator', r.name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$$;

CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'The REST API (docs/rest-api.md): views only, served by PostgREST or the gateway under /api.';
GRANT USAGE ON SCHEMA api TO web_anon, operator;
GRANT USAGE ON SCHEMA public TO web_anon, operator;

-- The request's JWT claims as PostgREST sets them (set_config('request.jwt.claims', …, true)).
CREATE FUNCTION api_jwt_sub() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub' $$;
COMMENT ON FUNCTION api_jwt_sub() IS 'The sub claim of the REST request''s JWT; NULL outside a REST request.';
GRANT EXECUTE ON FUNCTION api_jwt_sub() TO web_anon, operator;

-- Views are security_invoker: the grants and policies on the tables below apply
-- to the request's role, not to the view owner.
CREATE VIEW api.readings WITH (security_invoker = true) AS
  SELECT device_id, seq, ts, temperature, pressure, humidity, stored_at FROM public.readings;
CREATE VIEW api.cycle_phases WITH (security_invoker = true) AS
  SELECT device_id, seq, cycle_no, cycle_start, phase, phase_start, s1, s2, s3, s4, s5, stored_at FROM public.cycle_phases;
-- acknowledged_by is an expression (so not writable through the view): a trigger
-- fills it from the JWT, and web_anon does not see who acknowledged.
CREATE VIEW api.anomaly_reports WITH (security_invoker = true) AS
  SELECT id, plc_id, cycle_no, phase, ts, detector, model_version, status, reason, score, threshold,
         is_anomaly, confidence, affected_sensors, report, created_at, acknowledged_at,
         CASE WHEN pg_has_role('operator', 'USAGE') THEN acknowledged_by END AS acknowledged_by
  FROM public.anomaly_reports;
-- The latest frame by seq is the last one received; the primary key finds it without a scan.
CREATE VIEW api.devices WITH (security_invoker = true) AS
  SELECT d.id, d.name, d.created_at, d.revoked_at,
         (SELECT f.received_at FROM public.frames f WHERE f.device_id = d.id ORDER BY f.seq DESC LIMIT 1) AS last_seen
  FROM public.devices d;
CREATE VIEW api.nodes WITH (security_invoker = true) AS
  SELECT id, name, role, address, status, last_seen, traffic, congestion, updated_at FROM public.nodes;
COMMENT ON VIEW api.readings IS 'Sensor readings (docs/rest-api.md).';
COMMENT ON VIEW api.cycle_phases IS 'PLC cycles, five phases each (docs/rest-api.md).';
COMMENT ON VIEW api.anomaly_reports IS 'Anomaly reports; operators PATCH acknowledged_at (docs/rest-api.md).';
COMMENT ON VIEW api.devices IS 'Devices without keys or password hashes, with last_seen (docs/rest-api.md).';
COMMENT ON VIEW api.nodes IS 'Cluster nodes (docs/rest-api.md).';

GRANT SELECT ON api.readings, api.cycle_phases, api.anomaly_reports, api.devices, api.nodes TO web_anon, operator;
GRANT UPDATE (acknowledged_at) ON api.anomaly_reports TO operator;

-- Table rights behind the views: only the columns they show.
GRANT SELECT ON readings, cycle_phases, anomaly_reports, nodes TO web_anon, operator;
GRANT SELECT (id, name, created_at, revoked_at) ON devices TO web_anon, operator;
GRANT SELECT (device_id, seq, received_at) ON frames TO web_anon, operator;
GRANT UPDATE (acknowledged_at) ON anomaly_reports TO operator;

-- Row-level security where a role sees less. The table owner (the ingest path,
-- the registry) is not subject to it (no FORCE).
ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY devices_anon_active ON devices FOR SELECT TO web_anon USING (revoked_at IS NULL);
CREATE POLICY devices_operator_all ON devices FOR SELECT TO operator USING (true);

ALTER TABLE anomaly_reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY anomaly_reports_read ON anomaly_reports FOR SELECT TO web_anon, operator USING (true);
-- An acknowledgement must carry who made it: a token without sub is refused.
CREATE POLICY anomaly_reports_acknowledge ON anomaly_reports FOR UPDATE TO operator
  USING (true)
  WITH CHECK (acknowledged_at IS NULL OR acknowledged_by = api_jwt_sub());

CREATE FUNCTION anomaly_reports_acknowledged_by() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only inside a REST request (claims set); direct SQL by the owner keeps its values.
  IF NEW.acknowledged_at IS DISTINCT FROM OLD.acknowledged_at AND nullif(current_setting('request.jwt.claims', true), '') IS NOT NULL THEN
    NEW.acknowledged_by := CASE WHEN NEW.acknowledged_at IS NULL THEN NULL ELSE api_jwt_sub() END;
  END IF;
  RETURN NEW;
END
$$;
COMMENT ON FUNCTION anomaly_reports_acknowledged_by() IS 'Sets acknowledged_by to the JWT sub when a REST request (un)acknowledges a report.';
CREATE TRIGGER anomaly_reports_acknowledged_by BEFORE UPDATE OF acknowledged_at ON anomaly_reports
  FOR EACH ROW EXECUTE FUNCTION anomaly_reports_acknowledged_by();
