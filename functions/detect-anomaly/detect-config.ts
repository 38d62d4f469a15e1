import { StartupError, envDurationMs, envInt, envOptional, envString, type Env } from '@typedcluster/core';

/**
 * detect-anomaly's environment (README.md "Env and secrets"), read once in
 * setup; a bad value stops the start with one line naming the variable.
 */
export interface DetectConfig {
  /** A registry algorithm to use when active (e.g. dense-autoencoder), or `auto`: the most recently activated of any. */
  readonly detector: string;
  /** Scores while no model is active; needs no training. */
  readonly defaultDetector: string;
  readonly modelPollMs: number;
  readonly mqttUrl: string | undefined;
  readonly mqttUsername: string;
  readonly maxRecords: number;
  readonly tfBackend: 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' | undefined;
  readonly dbPoolMax: number;
}

const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export function readDetectConfig(env: Env): DetectConfig {
  const tf = envOptional(env, 'TF_BACKEND');
  if (tf !== undefined && !(BACKENDS as readonly string[]).includes(tf)) {
    throw new StartupError('CONFIG_INVALID', `TF_BACKEND=${tf} is not a backend`, `use one of ${BACKENDS.join(', ')}, or leave it unset for the best installed`);
  }
  return {
    detector: envString(env, 'DETECTOR', 'auto'),
    defaultDetector: envString(env, 'DEFAULT_DETECTOR', 'phase-range'),
    modelPollMs: envDurationMs(env, 'MODEL_POLL_INTERVAL', 5_000),
    mqttUrl: envOptional(env, 'MQTT_URL'),
    mqttUsername: envString(env, 'MQTT_USERNAME', 'detect-anomaly'),
    maxRecords: envInt(env, 'MAX_RECORDS', 10_000, 1),
    tfBackend: tf as DetectConfig['tfBackend'],
    dbPoolMax: envInt(env, 'DB_POOL_MAX', 2, 1, 100),
  };
}

/** Registered for the README check (handler.test.ts); PHASE_MODEL_FILE is read by setup through core's phaseModelOf. */
export const DETECT_CONFIG_VARIABLES = ['DETECTOR', 'DEFAULT_DETECTOR', 'MODEL_POLL_INTERVAL', 'MQTT_URL', 'MQTT_USERNAME', 'MAX_RECORDS', 'TF_BACKEND', 'DB_POOL_MAX', 'DATABASE_URL', 'PHASE_MODEL_FILE'] as const;
