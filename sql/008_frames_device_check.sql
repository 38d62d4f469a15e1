-- frames without its foreign key to devices. The key's check was a trigger
-- per inserted frame, running a query that looks the device up and locks
-- its row (FOR KEY SHARE): about 4 of the ≈35 µs of PostgreSQL CPU that a
-- stored cycle frame costs under load (bench:ingest, alternating A/B runs).
--
-- What the key guaranteed still holds, by two cheaper rules:
-- 1. A frame names a registered device: the reading store looks the id up
--    in the statement that inserts the frame (an index probe, no lock) and
--    calls frames_unknown_device() for an id that is not there, which fails
--    the whole statement with the key's SQLSTATE (23503), as before.
-- 2. A registered device stays: devices are revoked, never deleted, and
--    their ids never change (devices_keep_ids below), so a frame's device
--    cannot disappear after the check.
ALTER TABLE frames DROP CONSTRAINT frames_device_id_fkey;

-- VOLATILE (the default) on purpose: the planner must not fold a call with
-- a constant argument at plan time; COALESCE calls it only for a miss.
CREATE FUNCTION frames_unknown_device(device smallint) RETURNS smallint LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'device % is not registered', device
    USING ERRCODE = 'foreign_key_violation', HINT = 'register it with "typedcluster device add"';
END $$;
COMMENT ON FUNCTION frames_unknown_device(smallint) IS 'Fails the statement (23503) for a frame of an unregistered device; the check that replaced frames_device_id_fkey (sql/008).';

CREATE FUNCTION devices_keep_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN
    RAISE EXCEPTION 'devices are never truncated: revoke them instead' USING ERRCODE = 'restrict_violation';
  END IF;
  RAISE EXCEPTION 'device % cannot be deleted or renumbered: devices are revoked instead', OLD.id
    USING ERRCODE = 'restrict_violation', HINT = 'typedcluster device revoke <id>';
END $$;
CREATE TRIGGER devices_keep_on_delete BEFORE DELETE ON devices
  FOR EACH ROW EXECUTE FUNCTION devices_keep_ids();
CREATE TRIGGER devices_keep_id BEFORE UPDATE OF id ON devices
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION devices_keep_ids();
CREATE TRIGGER devices_keep_on_truncate BEFORE TRUNCATE ON devices
  FOR EACH STATEMENT EXECUTE FUNCTION devices_keep_ids();
COMMENT ON FUNCTION devices_keep_ids() IS 'Refuses DELETE, TRUNCATE and id changes on devices: frames rely on their device staying (sql/008).';
