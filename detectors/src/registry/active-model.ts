import type { Logger, Result } from '@typedcluster/core';
import type { Detector } from '../detector.js';
import type { ModelRegistry } from './model-registry.js';

/**
 * Hot reload: keeps the registry's active model loaded in a running
 * process. A cheap poll (one indexed row) rather than LISTEN/NOTIFY, because
 * it needs no dedicated connection and survives database restarts without
 * re-subscribing; the interval bounds how long an activation takes to land.
 * A model that fails to load (corrupt artefact, other sensors) is logged
 * and the previous one keeps scoring: a bad activation never stops detection.
 */
export interface LoadedModel {
  readonly algorithm: string;
  readonly version: number;
  readonly detector: Detector;
}

export interface ActiveModelOptions {
  readonly registry: ModelRegistry;
  /** One algorithm, or undefined for the most recently activated of any. */
  readonly algorithm?: string;
  /** Validates and restores an artefact for these features (detector-catalog's loadDetector). */
  readonly restore: (artefact: unknown) => Result<Detector>;
  readonly log: Logger;
  /** Called after a new model is in place (tests, metrics). */
  readonly onChange?: (m: LoadedModel | undefined) => void;
}

export interface ActiveModel {
  /** The model scoring now; undefined: none active (the caller's default detector scores). */
  current(): LoadedModel | undefined;
  /** Polls once: loads a newly activated version. Resolves to the error code when it could not. */
  check(): Promise<string | undefined>;
  start(intervalMs: number, timers?: { setInterval: typeof setInterval; clearInterval: typeof clearInterval }): void;
  stop(): void;
}

export function createActiveModel(o: ActiveModelOptions): ActiveModel {
  let current: LoadedModel | undefined;
  /** The version last tried, loaded or not: a broken one is not retried every poll. */
  let tried: string | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let clear: typeof clearInterval = clearInterval;
  let running: Promise<string | undefined> | undefined;

  const poll = async (): Promise<string | undefined> => {
    const v = await o.registry.activeVersion(o.algorithm);
    if (!v.ok) {
      o.log.warn('model registry poll failed; keeping the current model', { code: v.error.code, error: v.error.message });
      return v.error.code;
    }
    const key = v.value ? `${v.value.algorithm}@${v.value.version}` : undefined;
    if (key === tried) return undefined;
    if (!v.value) {
      tried = key;
      if (current) o.log.info('no active model any more; the default detector scores', { was: `${current.algorithm} v${current.version}` });
      current = undefined;
      o.onChange?.(undefined);
      return undefined;
    }
    const stored = await o.registry.load(v.value.algorithm, v.value.version);
    // A database failure is transient: that version is tried again on the next poll.
    if (stored.ok || stored.error.code !== 'DATABASE_ERROR') tried = key;
    const detector = stored.ok ? o.restore(stored.value.artefact) : stored;
    if (!detector.ok) {
      o.log.error('active model could not be loaded; keeping the current one', { model: key, code: detector.error.code, error: detector.error.message });
      return detector.error.code;
    }
    current = { algorithm: v.value.algorithm, version: v.value.version, detector: detector.value };
    o.log.info('model loaded', { model: `${current.algorithm} v${current.version}` });
    o.onChange?.(current);
    return undefined;
  };

  return {
    current: () => current,
    // One poll at a time: a slow load must not overlap the next tick.
    check: () => (running ??= poll().finally(() => (running = undefined))),
    start(intervalMs, timers = { setInterval, clearInterval }) {
      clear = timers.clearInterval;
      timer = timers.setInterval(() => void this.check(), intervalMs);
      (timer as { unref?: () => void }).unref?.();
    },
    stop() {
      if (timer) clear(timer);
      timer = undefined;
    },
  };
}
