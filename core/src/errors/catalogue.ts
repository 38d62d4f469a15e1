/**
 * The one catalogue of stable error codes. Wire codes are specified in
 * docs/wire-format.md §7; the HTTP status is what a function answers with.
 * Codes are API: never rename one, only add.
 */
export const ERRORS = {
  // Wire format (docs/wire-format.md §7)
  TRUNCATED: { status: 400, kind: 'wire', help: 'The frame ends before its declared length.' },
  TOO_LARGE: { status: 413, kind: 'wire', help: 'The frame or body exceeds the maximum size.' },
  BAD_MAGIC: { status: 400, kind: 'wire', help: 'The frame does not start with the magic bytes "TC".' },
  BAD_VERSION: { status: 400, kind: 'wire', help: 'Unsupported wire format version.' },
  BAD_TYPE: { status: 400, kind: 'wire', help: 'Unknown frame type.' },
  BAD_LENGTH: { status: 400, kind: 'wire', help: 'Declared length disagrees with the bytes received.' },
  BAD_DEVICE_ID: { status: 400, kind: 'wire', help: 'Device id outside 1..32767.' },
  BAD_PAYLOAD: { status: 400, kind: 'wire', help: 'Decrypted payload has the wrong size or content for its type.' },
  DEVICE_MISMATCH: { status: 400, kind: 'wire', help: 'The payload names a different device than the header.' },
  UNKNOWN_DEVICE: { status: 403, kind: 'security', help: 'No registered, non-revoked device with this id.' },
  UNKNOWN_KEY: { status: 403, kind: 'security', help: 'No open session for this device and key id; the device must send a session frame.' },
  BAD_SIGNATURE: { status: 403, kind: 'security', help: 'Ed25519 signature does not verify with the device identity key.' },
  DECRYPT_FAILED: { status: 403, kind: 'security', help: 'Authenticated decryption failed: tampered frame or wrong key.' },
  KEY_ID_IN_USE: { status: 409, kind: 'security', help: 'A session frame reuses a key id that names another session; rotate to a new key id.' },
  REPLAY: { status: 409, kind: 'security', help: 'Sequence number already seen or older than the replay window.' },
  BAD_SEQ: { status: 400, kind: 'wire', help: 'Sequence number above 2^63-1, the largest the platform stores (PostgreSQL bigint).' },
  BAD_SESSION_KEY: { status: 403, kind: 'security', help: 'The session frame carries an unusable ephemeral X25519 public key (low-order point).' },
  // Function and gateway
  BAD_REQUEST: { status: 400, kind: 'request', help: 'The request is malformed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, kind: 'request', help: 'Unsupported Content-Type.' },
  FUNCTION_NOT_FOUND: { status: 404, kind: 'gateway', help: 'No function with this name is deployed.' },
  FUNCTION_UNAVAILABLE: { status: 503, kind: 'gateway', help: 'The function is (re)starting; retry shortly.' },
  FUNCTION_TIMEOUT: { status: 504, kind: 'gateway', help: 'The function exceeded its exec timeout and was restarted.' },
  FUNCTION_CRASHED: { status: 502, kind: 'gateway', help: 'The function process exited during the request.' },
  UPSTREAM_FAILED: { status: 502, kind: 'gateway', help: 'A downstream function or service failed.' },
  QUEUE_FULL: { status: 429, kind: 'gateway', help: 'The async queue is full; retry later.' },
  HANDLER_FAILED: { status: 500, kind: 'gateway', help: 'The function handler threw or returned no response; the process stays up.' },
  UNEXPECTED_ANSWER: { status: 502, kind: 'gateway', help: 'A function answered an error status without a {code, message} body, or a batch without one result per frame.' },
  SETUP_FAILED: { status: 500, kind: 'config', help: "The function module's setup() failed; the process exits and the gateway restarts it with back-off." },
  GATEWAY_FAILED: { status: 500, kind: 'gateway', help: 'The gateway failed unexpectedly; see its log.' },
  NOT_FOUND: { status: 404, kind: 'request', help: 'No such route.' },
  // TCP transport (docs/wire-format.md §6.4): why the gateway closes a connection (CLOSING record)
  IDLE_TIMEOUT: { status: 408, kind: 'gateway', help: 'The TCP connection sent nothing for TCP_IDLE_TIMEOUT and was closed; reconnect when there are frames to send.' },
  TOO_MANY_CONNECTIONS: { status: 503, kind: 'gateway', help: 'The TCP listener has TCP_MAX_CONNECTIONS open; reconnect later.' },
  SHUTTING_DOWN: { status: 503, kind: 'gateway', help: 'The gateway is stopping; reconnect later and resend what was not acknowledged.' },
  UNAUTHORIZED: { status: 401, kind: 'gateway', help: 'Missing or wrong credentials.' },
  // REST API tokens (docs/rest-api.md); on the wire the API answers PostgREST's codes PGRST301/PGRST303
  JWT_INVALID: { status: 401, kind: 'auth', help: 'The JWT is malformed, not HS256, or its signature does not verify with jwt-secret.' },
  JWT_EXPIRED: { status: 401, kind: 'auth', help: 'The JWT has expired (exp), or is not valid yet (nbf, iat); mint a new one with `typedcluster token`.' },
  STORE_FAILED: { status: 503, kind: 'database', help: 'The database could not store the batch; retry.' },
  DATABASE_UNREACHABLE: { status: 503, kind: 'database', help: 'PostgreSQL cannot be reached.' },
  DATABASE_ERROR: { status: 503, kind: 'database', help: 'A database query failed; retry.' },
  MIGRATION_CHANGED: { status: 500, kind: 'database', help: 'An applied migration file in sql/ was edited; add a new migration instead.' },
  MIGRATION_FAILED: { status: 500, kind: 'database', help: 'A migration in sql/ failed; nothing from it was applied.' },
  POSTGRES_START_FAILED: { status: 500, kind: 'database', help: 'The embedded PostgreSQL server did not start.' },
  DATA_DIR_INVALID: { status: 500, kind: 'config', help: 'The PostgreSQL data directory cannot be used.' },
  DEVICE_EXISTS: { status: 409, kind: 'request', help: 'A device with this id or name is already registered.' },
  DEVICE_NOT_FOUND: { status: 404, kind: 'request', help: 'No device with this id is registered.' },
  DEVICE_IDS_EXHAUSTED: { status: 409, kind: 'request', help: 'All device ids 1..32767 are taken.' },
  // Device side
  OUTBOX_FULL: { status: 429, kind: 'device', help: 'The device outbox is full while the broker is unreachable; the frame was refused, not sent.' },
  OUTBOX_CLOSED: { status: 500, kind: 'device', help: 'The device outbox was closed; the frame was not stored.' },
  // Detectors and evaluation (docs/detectors.md)
  DETECTOR_INPUT_UNUSABLE: { status: 422, kind: 'detector', help: 'A sample has a missing, NaN or infinite value, or the wrong number of features: it cannot be scored (never reported as normal).' },
  DETECTOR_UNKNOWN_GROUP: { status: 422, kind: 'detector', help: 'A sample names a group (phase) the detector was not fitted on or the phase model does not have.' },
  DETECTOR_FEATURES_MISMATCH: { status: 422, kind: 'detector', help: 'The model was trained for another feature (sensor) set than the data offered.' },
  DETECTOR_ARTEFACT_CORRUPT: { status: 422, kind: 'detector', help: 'A saved detector artefact is malformed, of another format version or names an unknown detector.' },
  DETECTOR_UNKNOWN: { status: 400, kind: 'detector', help: 'No detector with this name; see `typedcluster eval --help`.' },
  DETECTOR_FIT_FAILED: { status: 422, kind: 'detector', help: 'Not enough usable normal data to fit or calibrate the detector.' },
  MODEL_NOT_FOUND: { status: 404, kind: 'detector', help: 'No model with this algorithm and version in the model registry; see `typedcluster models list`.' },
  DATASET_INVALID: { status: 422, kind: 'detector', help: 'An evaluation data set is missing, empty or malformed (a file, a row or a column is named).' },
  // Alert client (cli/src/alerts/README.md): what a poll or a delivery failed on; it keeps retrying
  ALERT_API_UNREACHABLE: { status: 503, kind: 'alerts', help: 'The REST API cannot be reached (connection refused, unknown host, timeout); the alert client retries with back-off.' },
  ALERT_API_UNAUTHORIZED: { status: 401, kind: 'alerts', help: 'The REST API refused the alert client\'s token (401/403); check --token.' },
  ALERT_API_NOT_FOUND: { status: 404, kind: 'alerts', help: 'No REST API view at the URL the alert client was given (404); check --api.' },
  ALERT_API_FAILED: { status: 502, kind: 'alerts', help: 'The REST API answered an error or something that is not a JSON array of rows.' },
  ALERT_SINK_FAILED: { status: 502, kind: 'alerts', help: 'An alert could not be delivered to MQTT or the webhook; it stays pending and is retried.' },
  // Modbus TCP poller (docs/modbus.md): why a poll of a PLC gave nothing usable (metric label `reason`)
  MODBUS_UNREACHABLE: { status: 503, kind: 'modbus', help: 'The Modbus PLC refused the connection, did not answer within MODBUS_TIMEOUT, or the connection broke; it is reported down and retried with back-off.' },
  MODBUS_EXCEPTION: { status: 502, kind: 'modbus', help: 'The Modbus PLC answered with an exception response (illegal function or address, device failure, busy…).' },
  MODBUS_BAD_RESPONSE: { status: 502, kind: 'modbus', help: 'The Modbus PLC answered with a malformed response or another number of registers than asked for.' },
  MODBUS_BAD_MAP: { status: 422, kind: 'modbus', help: 'The input registers do not carry the register map of docs/modbus.md (map id, version or unknown status bits).' },
  MODBUS_BAD_PHASE: { status: 422, kind: 'modbus', help: 'The phase register is outside 1..5 (or not 0 while the phase-valid status bit is clear).' },
  MODBUS_BAD_VALUE: { status: 422, kind: 'modbus', help: 'A sensor value is NaN, infinite or beyond MODBUS_MAX_ABS_VALUE, or the cycle start is not a valid time: the values are not trusted.' },
  MODBUS_STALE_COUNTER: { status: 422, kind: 'modbus', help: 'The registers changed while the update counter did not, or the latched cycle went back in time or changed under the same start: the values are not trusted.' },
  MODBUS_DEVICE_FAULT: { status: 422, kind: 'modbus', help: 'The PLC sets the sensor-fault status bit: its values are not stored until it clears.' },
  // Configuration (fail fast at start)
  CONFIG_INVALID: { status: 500, kind: 'config', help: 'A configuration variable has an invalid value.' },
  CONFIG_MISSING: { status: 500, kind: 'config', help: 'A required configuration variable or secret is missing.' },
  STACK_INVALID: { status: 500, kind: 'config', help: 'stack.yml is invalid.' },
  UNKNOWN_LANG: { status: 500, kind: 'config', help: 'stack.yml names a template (lang) this runtime cannot run.' },
  PORT_IN_USE: { status: 500, kind: 'config', help: 'The listen port is already taken.' },
  BROKER_DIR_INVALID: { status: 500, kind: 'config', help: 'The MQTT broker\'s persistence directory cannot be used (not writable, or locked by another running broker).' },
  MODEL_INVALID: { status: 500, kind: 'config', help: 'A phase model file (modelo_tipico.json shape) is invalid: a sensor or phase is missing, or a range is not [min, max] numbers with min <= max.' },
} as const satisfies Record<string, { status: number; kind: string; help: string }>;

export type ErrorCode = keyof typeof ERRORS;

export const isErrorCode = (s: unknown): s is ErrorCode => typeof s === 'string' && Object.hasOwn(ERRORS, s);

export const httpStatusOf = (code: ErrorCode): number => ERRORS[code].status;

/** Wire and security codes: the reasons a frame is rejected (metric label `reason`). */
export const REJECTION_CODES = (Object.keys(ERRORS) as ErrorCode[]).filter(
  (c) => ERRORS[c].kind === 'wire' || ERRORS[c].kind === 'security',
);
