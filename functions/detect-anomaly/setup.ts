import {
  PHASES,
  SENSORS,
  StartupError,
  TYPICAL_MODEL,
  createDatabase,
  createDeviceRegistry,
  createMqttPublisher,
  createPrng,
  ok,
  phaseModelOf,
  sampleNormalCycle,
  type Database,
  type FunctionInfo,
  type FunctionRuntime,
  type PhaseModel,
  type Result,
} from '@typedcluster/core';
import { createActiveModel, createDetector, createModelRegistry, loadDetector, useTfBackend, type ActiveModel, type Detector } from '@typedcluster/detectors';
import { readDetectConfig } from './detect-config.js';
import type { DetectDeps, ScoringModel } from './handler.js';
import { createReportStore } from './report-store.js';

/** The features every PLC model is trained on. */
export const PLC_FEATURES = Array.from({ length: SENSORS }, (_, i) => `s${i + 1}`);

export interface DetectRuntimeDeps extends DetectDeps {
  readonly active: ActiveModel;
  /** The TensorFlow.js backend chosen at start (tf-backend.ts), shown in the gateway's /system/info. */
  readonly tfBackend: string;
}

/**
 * The default detector, for when no model is active: it needs no history.
 * Fitted on cycles drawn from the phase model itself, so phase-range (the
 * default) scores exactly the user's ranges.
 */
export async function defaultDetector(name: string, model: PhaseModel = TYPICAL_MODEL): Promise<Detector> {
  const d = createDetector(name, { model });
  if (!d.ok) throw new StartupError('CONFIG_INVALID', `DEFAULT_DETECTOR: ${d.error.message}`, 'use phase-range (no training needed) or another name from `typedcluster train --help`');
  const prng = createPrng(1);
  const stream = Array.from({ length: 200 }, () => sampleNormalCycle(() => prng.next(), model)).flatMap((phases) => phases.slice(0, PHASES).map((values, p) => ({ group: p + 1, values })));
  await d.value.fit([stream], { features: PLC_FEATURES, seed: 1 });
  return d.value;
}

/** How long a PLC found registered (and not revoked) is believed so without asking again. */
export const KNOWN_PLC_TTL_MS = 60_000;

/**
 * Whether a PLC is registered and not revoked. A yes is cached for
 * KNOWN_PLC_TTL_MS, so a cycle per PLC every 30 s costs a query a minute,
 * and a revocation is seen within that time.
 */
export function knownPlcFromRegistry(db: Database, now: () => number = Date.now, ttlMs = KNOWN_PLC_TTL_MS): (id: number) => Promise<Result<boolean>> {
  const registry = createDeviceRegistry(db);
  const knownUntil = new Map<number, number>();
  return async (id) => {
    if ((knownUntil.get(id) ?? 0) > now()) return ok(true);
    const d = await registry.getDevice(id);
    if (!d.ok) return d;
    if (d.value) knownUntil.set(id, now() + ttlMs);
    else knownUntil.delete(id);
    return ok(d.value !== undefined);
  };
}

export async function setup(rt: FunctionRuntime): Promise<DetectRuntimeDeps> {
  const cfg = readDetectConfig(rt.env);
  const backend = await useTfBackend({ log: rt.log, ...(cfg.tfBackend ? { prefer: cfg.tfBackend } : {}) });
  const url = rt.env['DATABASE_URL'] || rt.readSecret('database-url');
  const db = createDatabase(url, { max: cfg.dbPoolMax, log: rt.log, applicationName: 'detect-anomaly' });

  const fallback = await defaultDetector(cfg.defaultDetector, phaseModelOf(rt.env));
  const active = createActiveModel({
    registry: createModelRegistry(db),
    ...(cfg.detector === 'auto' ? {} : { algorithm: cfg.detector }),
    restore: (a) => loadDetector(a, PLC_FEATURES),
    log: rt.log,
  });
  await active.check();
  active.start(cfg.modelPollMs);

  // Not awaited: scoring and storing go on while the broker is away; a report
  // that gets no PUBACK fails the request (502) and the connector retries.
  const publisher = cfg.mqttUrl
    ? createMqttPublisher({
        url: cfg.mqttUrl,
        username: cfg.mqttUsername,
        password: rt.readSecret('mqtt-detect-anomaly-password'),
        clientId: `detect-anomaly-${process.pid}`,
        log: rt.log,
        name: 'detect-anomaly',
      })
    : undefined;
  if (!publisher) rt.log.warn('MQTT_URL is not set: reports are stored but not published');
  rt.log.info('detect-anomaly ready', { backend: backend.name, model: active.current() ? `${active.current()!.algorithm} v${active.current()!.version}` : `${cfg.defaultDetector} (default)` });

  const model = (): ScoringModel => {
    const m = active.current();
    return m ? { detector: m.detector, ref: { detector: m.algorithm, version: m.version } } : { detector: fallback, ref: { detector: cfg.defaultDetector, version: null } };
  };
  return {
    model,
    active,
    tfBackend: backend.name,
    knownPlc: knownPlcFromRegistry(db, rt.now),
    store: createReportStore(db),
    publish: async (topic, payload) => (publisher ? publisher.publishConfirmed(topic, payload) : ok(undefined)),
    log: rt.log,
    maxRecords: cfg.maxRecords,
    close: async () => {
      active.stop();
      await publisher?.close();
      await db.close();
    },
  };
}

/** What the gateway's /system/info shows for this function (FunctionModule.info). */
export function info(deps: DetectRuntimeDeps): FunctionInfo {
  const m = deps.model().ref;
  return { tfBackend: deps.tfBackend, model: `${m.detector}${m.version === null ? ' (default)' : ` v${m.version}`}` };
}

export async function teardown(deps: DetectRuntimeDeps): Promise<void> {
  await deps.close?.();
}
