-- MQTT authentication of devices (docs/topics.md §Authentication): the
-- broker checks a device's password against this hash; the password itself
-- is only in the device's credentials file.
ALTER TABLE devices ADD COLUMN mqtt_password_hash text NULL;
COMMENT ON COLUMN devices.mqtt_password_hash IS 'scrypt hash of the device''s MQTT password (username: the device id in decimal); NULL = the device may not use MQTT.';
