import { StartupError } from '../errors/startup-error.js';
import type { PhaseModel } from '../phase-model/typical-model.js';
import type { Prng } from './prng.js';

/**
 * Every kind of anomaly the simulator labels, now or later. Labels name
 * one of these, so datasets stay comparable as kinds are added. Real-time
 * mode injects the `implemented` ones; the historical mode will add the
 * others (they change timing or silence, which needs phase timings that
 * CYCLE frames do not carry).
 */
export const ANOMALY_KINDS = {
  spike: { implemented: true, description: 'one value (one sensor in one phase) jumps outside its range for one sample' },
  drift: { implemented: true, description: 'a sensor drifts away from its range, growing linearly over several samples, then snaps back' },
  stuck: { implemented: true, description: 'a sensor repeats one value, in every phase, for several samples' },
  'noise-burst': { implemented: false, description: 'a sensor turns noisy, with values around and outside its range, for several samples' },
  'phase-too-long': { implemented: false, description: 'a phase lasts longer than its 6 s' },
  'phase-out-of-order': { implemented: false, description: 'the phases of a cycle run in the wrong order' },
  silent: { implemented: false, description: 'the PLC sends nothing for several cycles' },
} as const satisfies Record<string, { implemented: boolean; description: string }>;

export type AnomalyKind = keyof typeof ANOMALY_KINDS;

export const IMPLEMENTED_ANOMALY_KINDS: readonly AnomalyKind[] = (Object.keys(ANOMALY_KINDS) as AnomalyKind[]).filter((k) => ANOMALY_KINDS[k].implemented);

/** What one sample carries about one anomaly, for supervised learning. */
export interface AnomalyLabel {
  readonly kind: AnomalyKind;
  /** Numbers the injector's episodes from 1: the samples of one episode share it. */
  readonly episode: number;
  /** 0-based sensor index (s1 = 0). */
  readonly sensor: number;
  /** 0-based phase, for kinds that hit one phase only (spike). */
  readonly phase?: number;
  /** How far outside the range it goes, in widths of the range (stuck: 0, its strength is its length). */
  readonly magnitude: number;
  /** This sample's place in the episode: 0 .. length-1. */
  readonly step: number;
  readonly length: number;
}

/**
 * The part of a sample an injector may change. Cycles and readings both
 * are `values[phase][sensor]` (a reading is one phase of three sensors).
 * Later kinds add fields here (phase durations and order, a `silent` flag).
 */
export interface SampleDraft {
  readonly values: number[][];
}

export interface AnomalyContext {
  readonly random: Prng;
  /** Normal ranges, `model[sensor][phase]`. */
  readonly model: PhaseModel;
  readonly temperature: number;
  /** Samples per 30 s of operation: 1 for cycles, 30 for 1-second readings. Rates and lengths are per 30 s. */
  readonly samplesPerCycle: number;
}

/** One anomaly that has started and runs for `length` samples. */
export interface AnomalyEpisode {
  readonly sensor: number;
  readonly phase?: number;
  readonly magnitude: number;
  readonly length: number;
  /** Changes the sample for step 0 .. length-1, in place. */
  apply(sample: SampleDraft, step: number): void;
}

/** A kind of anomaly: how often it starts at a temperature and what it does. */
export interface AnomalyKindModel {
  readonly kind: AnomalyKind;
  /** Probability that an episode starts in a given 30 s of operation; 0 at temperature 0. */
  rate(temperature: number): number;
  start(ctx: AnomalyContext, sample: SampleDraft): AnomalyEpisode;
}

/**
 * Size of an anomaly at a temperature, in widths of the normal range: an
 * episode draws uniformly between half of it and all of it.
 */
export const anomalyMagnitude = (temperature: number): number => 0.25 + 1.75 * temperature;

const widthOf = (model: PhaseModel, sensor: number, phase: number): number => {
  const [min, max] = model[sensor]?.[phase] ?? [0, 1];
  return max - min > 0 ? max - min : 1;
};

const drawMagnitude = (ctx: AnomalyContext) => anomalyMagnitude(ctx.temperature) * ctx.random.uniform(0.5, 1);

/** Rates, per 30 s at temperature 1 (they scale linearly with temperature). */
export const ANOMALY_RATES: Readonly<Partial<Record<AnomalyKind, number>>> = { spike: 0.2, drift: 0.04, stuck: 0.04 };

const spike: AnomalyKindModel = {
  kind: 'spike',
  rate: (t) => (ANOMALY_RATES.spike ?? 0) * t,
  start(ctx, sample) {
    const phases = sample.values.length;
    const sensors = sample.values[0]?.length ?? 0;
    const sensor = ctx.random.int(sensors);
    const phase = ctx.random.int(phases);
    const magnitude = drawMagnitude(ctx);
    const up = ctx.random.chance(0.5);
    const [min, max] = ctx.model[sensor]?.[phase] ?? [0, 1];
    const width = widthOf(ctx.model, sensor, phase);
    const value = up ? max + (0.1 + magnitude) * width : min - (0.1 + magnitude) * width;
    return {
      sensor,
      phase,
      magnitude,
      length: 1,
      apply(s) {
        const row = s.values[phase];
        if (row) row[sensor] = value;
      },
    };
  },
};

const drift: AnomalyKindModel = {
  kind: 'drift',
  rate: (t) => (ANOMALY_RATES.drift ?? 0) * t,
  start(ctx, sample) {
    const sensor = ctx.random.int(sample.values[0]?.length ?? 0);
    const magnitude = drawMagnitude(ctx);
    const sign = ctx.random.chance(0.5) ? 1 : -1;
    const length = Math.max(1, Math.round(ctx.samplesPerCycle * (3 + ctx.random.int(8))));
    return {
      sensor,
      magnitude,
      length,
      apply(s, step) {
        s.values.forEach((row, phase) => {
          row[sensor] = (row[sensor] ?? 0) + sign * magnitude * widthOf(ctx.model, sensor, phase) * ((step + 1) / length);
        });
      },
    };
  },
};

const stuck: AnomalyKindModel = {
  kind: 'stuck',
  rate: (t) => (ANOMALY_RATES.stuck ?? 0) * t,
  start(ctx, sample) {
    const sensor = ctx.random.int(sample.values[0]?.length ?? 0);
    const length = Math.max(1, Math.round(ctx.samplesPerCycle * (2 + ctx.random.int(2 + Math.round(8 * ctx.temperature)))));
    let held: number | undefined;
    return {
      sensor,
      magnitude: 0,
      length,
      apply(s) {
        held ??= s.values[0]?.[sensor] ?? 0;
        for (const row of s.values) row[sensor] = held;
      },
    };
  },
};

/** The kinds that are implemented, by name; the historical mode registers the rest here. */
export const ANOMALY_MODELS: Readonly<Partial<Record<AnomalyKind, AnomalyKindModel>>> = { spike, drift, stuck };

export interface AnomalyInjectorOptions {
  /** 0 (none) … 1: how often and how strongly anomalies appear. */
  readonly temperature: number;
  /** The injector's own stream, so base values do not depend on the temperature. */
  readonly random: Prng;
  readonly model: PhaseModel;
  /** Default: every implemented kind. */
  readonly kinds?: readonly AnomalyKind[];
  /** Default 1 (one sample per 30 s cycle). */
  readonly samplesPerCycle?: number;
}

export interface AnomalyInjector {
  readonly temperature: number;
  /** Probability that an episode of `kind` starts at a given sample. */
  startProbability(kind: AnomalyKind): number;
  /**
   * Maybe starts episodes (each kind independently, with its probability),
   * applies every running episode to `sample` in place, and returns the
   * labels of the anomalies this sample carries (empty for a normal one).
   */
  inject(sample: SampleDraft): AnomalyLabel[];
}

/**
 * Injects anomalies into a stream of samples, deterministically for a given
 * `random`. Throws StartupError (CONFIG_INVALID) for a temperature outside
 * 0..1 or a kind that is not implemented yet.
 */
export function createAnomalyInjector(o: AnomalyInjectorOptions): AnomalyInjector {
  const { temperature, random, model } = o;
  if (!(temperature >= 0 && temperature <= 1)) throw new StartupError('CONFIG_INVALID', `anomaly temperature ${temperature} is outside 0..1`, 'use 0 for no anomalies, 1 for the most');
  const samplesPerCycle = o.samplesPerCycle ?? 1;
  const kinds = (o.kinds ?? IMPLEMENTED_ANOMALY_KINDS).map((k) => {
    const m = ANOMALY_MODELS[k];
    if (!m) throw new StartupError('CONFIG_INVALID', `anomaly kind ${k} is not implemented yet`, `use ${IMPLEMENTED_ANOMALY_KINDS.join(', ')}`);
    return m;
  });
  const ctx: AnomalyContext = { random, model, temperature, samplesPerCycle };
  const probability = (m: AnomalyKindModel) => Math.min(1, m.rate(temperature) / samplesPerCycle);
  const running: Array<{ kind: AnomalyKind; episode: number; step: number; e: AnomalyEpisode }> = [];
  let episodes = 0;
  return {
    temperature,
    startProbability: (kind) => {
      const m = kinds.find((k) => k.kind === kind);
      return m ? probability(m) : 0;
    },
    inject(sample) {
      if (temperature > 0) {
        for (const m of kinds) {
          if (random.next() < probability(m)) running.push({ kind: m.kind, episode: ++episodes, step: 0, e: m.start(ctx, sample) });
        }
      }
      const labels: AnomalyLabel[] = [];
      for (const r of running) {
        r.e.apply(sample, r.step);
        labels.push({
          kind: r.kind,
          episode: r.episode,
          sensor: r.e.sensor,
          ...(r.e.phase === undefined ? {} : { phase: r.e.phase }),
          magnitude: r.e.magnitude,
          step: r.step,
          length: r.e.length,
        });
        r.step++;
      }
      for (let i = running.length - 1; i >= 0; i--) if (running[i]!.step >= running[i]!.e.length) running.splice(i, 1);
      return labels;
    },
  };
}
