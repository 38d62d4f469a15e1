import { StartupError } from '../errors/startup-error.js';
import type { PhaseModel } from '../phase-model/phase-model-types.js';
import { ANOMALY_MODELS } from './anomaly-kinds.js';
import type { Prng } from './prng.js';

export { ANOMALY_MODELS, ANOMALY_RATES, anomalyMagnitude } from './anomaly-kinds.js';

/**
 * Every kind of anomaly the simulator labels (docs/simulator.md). Labels
 * name one of these, so data sets stay comparable. `realTime` says which
 * streams of the real-time mode can carry a kind: a CYCLE frame carries
 * values in slot order but no phase durations, so `phase-too-long` is
 * historical only.
 */
export const ANOMALY_KINDS = {
  spike: { implemented: true, realTime: ['cycle', 'reading'], description: 'one value (one sensor in one phase) jumps outside its range for one sample' },
  drift: { implemented: true, realTime: ['cycle', 'reading'], description: 'a sensor reads off by a calibration offset that starts past its range and grows over several samples, then snaps back' },
  stuck: { implemented: true, realTime: ['cycle', 'reading'], description: 'a sensor freezes at its last reading (one that lies outside the next phase\'s range) and repeats it for several samples' },
  'noise-burst': { implemented: true, realTime: ['cycle', 'reading'], description: 'a sensor turns noisy: every value jumps outside its range, alternating sides, for several samples' },
  'phase-too-long': { implemented: true, realTime: [], description: 'a phase lasts longer than its 6 s; the later phases of the cycle start late' },
  'phase-out-of-order': { implemented: true, realTime: ['cycle'], description: 'two phases of a cycle run swapped' },
  silent: { implemented: true, realTime: ['cycle', 'reading'], description: 'the PLC sends nothing for several cycles' },
} as const satisfies Record<string, { implemented: boolean; realTime: readonly ('cycle' | 'reading')[]; description: string }>;

export type AnomalyKind = keyof typeof ANOMALY_KINDS;

export const ALL_ANOMALY_KINDS: readonly AnomalyKind[] = Object.keys(ANOMALY_KINDS) as AnomalyKind[];
/** Every kind is implemented now; kept for callers of the earlier surface. */
export const IMPLEMENTED_ANOMALY_KINDS: readonly AnomalyKind[] = ALL_ANOMALY_KINDS;
/** The kinds a real-time stream can carry (the default of the real-time mode). */
export const realTimeAnomalyKinds = (stream: 'cycle' | 'reading'): AnomalyKind[] =>
  ALL_ANOMALY_KINDS.filter((k) => (ANOMALY_KINDS[k].realTime as readonly string[]).includes(stream));

/** What one sample carries about one anomaly, for supervised learning. */
export interface AnomalyLabel {
  readonly kind: AnomalyKind;
  /** Numbers the injector's episodes from 1: the samples of one episode share it. */
  readonly episode: number;
  /** 0-based sensor index (s1 = 0); absent for whole-device kinds (phase-too-long, phase-out-of-order, silent). */
  readonly sensor?: number;
  /** 0-based phase, for kinds that hit one phase only (spike, phase-too-long); for stuck, the first frozen phase of its first sample. */
  readonly phase?: number;
  /** 0-based phases that ran swapped (phase-out-of-order). */
  readonly phases?: readonly number[];
  /** How strong it is: range widths for spike, drift (growth) and noise-burst, the extra fraction of 6 s for phase-too-long, slots apart for out-of-order, 0 for stuck and silent. */
  readonly magnitude: number;
  /** This sample's place in the episode: 0 .. length-1. */
  readonly step: number;
  readonly length: number;
}

/**
 * The part of a sample an injector may change. Cycles and readings both
 * are `values[phase][sensor]` (a reading is one phase of three sensors).
 * The timing fields are created by the kinds that change them.
 */
export interface SampleDraft {
  /** values[phase][sensor], by the phase that ran (not its slot). */
  readonly values: number[][];
  /** Seconds each phase lasted, by phase; absent = every phase its nominal 6 s. */
  durations?: number[];
  /** order[slot] = the 0-based phase that ran in that slot; absent = in order. */
  order?: number[];
  /** True when the device sends nothing for this sample. */
  silent?: boolean;
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
  readonly sensor?: number;
  readonly phase?: number;
  readonly phases?: readonly number[];
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
  /** `previous`: the device's last reading sent before `sample`, by sensor (the last slot of the previous cycle); absent at the start or after silence. */
  start(ctx: AnomalyContext, sample: SampleDraft, previous?: readonly number[]): AnomalyEpisode;
}

export interface AnomalyInjectorOptions {
  /** 0 (none) … 1: how often and how strongly anomalies appear. */
  readonly temperature: number;
  /** The injector's own stream, so base values do not depend on the temperature. */
  readonly random: Prng;
  readonly model: PhaseModel;
  /** Default: every kind. */
  readonly kinds?: readonly AnomalyKind[];
  /** Default 1 (one sample per 30 s cycle). */
  readonly samplesPerCycle?: number;
}

export interface AnomalyInjector {
  readonly temperature: number;
  /** Probability that an episode of `kind` starts at a sample with no episode running. */
  startProbability(kind: AnomalyKind): number;
  /**
   * When no episode runs, maybe starts one (kind k with probability
   * startProbability(k)); applies the running episode to `sample` in place
   * and returns its label (empty for a normal sample).
   */
  inject(sample: SampleDraft): AnomalyLabel[];
}

/**
 * Injects anomalies into a stream of samples, deterministically for a given
 * `random`. A device has at most one episode at a time, so every labelled
 * sample has exactly one kind (a data set's label column is unambiguous).
 * Throws StartupError (CONFIG_INVALID) for a temperature outside 0..1, an
 * unknown kind, or rates that add up above 1 per sample.
 */
export function createAnomalyInjector(o: AnomalyInjectorOptions): AnomalyInjector {
  const { temperature, random, model } = o;
  if (!(temperature >= 0 && temperature <= 1)) throw new StartupError('CONFIG_INVALID', `anomaly temperature ${temperature} is outside 0..1`, 'use 0 for no anomalies, 1 for the most');
  const samplesPerCycle = o.samplesPerCycle ?? 1;
  const kinds = (o.kinds ?? ALL_ANOMALY_KINDS).map((k) => {
    const m = (ANOMALY_MODELS as Partial<Record<string, AnomalyKindModel>>)[k];
    if (!m) throw new StartupError('CONFIG_INVALID', `anomaly kind ${k} is unknown`, `use ${ALL_ANOMALY_KINDS.join(', ')}`);
    return m;
  });
  const ctx: AnomalyContext = { random, model, temperature, samplesPerCycle };
  const probabilities = kinds.map((m) => Math.min(1, m.rate(temperature) / samplesPerCycle));
  if (probabilities.reduce((a, b) => a + b, 0) > 1) throw new StartupError('CONFIG_INVALID', 'anomaly rates add up to more than 1 per sample', 'lower the rates in anomaly-kinds.ts');
  let running: { kind: AnomalyKind; episode: number; step: number; e: AnomalyEpisode } | undefined;
  let episodes = 0;
  let previous: number[] | undefined; // what a stuck sensor can freeze at
  const remember = (sample: SampleDraft) => {
    const last = sample.order?.at(-1) ?? sample.values.length - 1;
    previous = sample.silent ? undefined : [...(sample.values[last] ?? [])];
  };
  return {
    temperature,
    startProbability: (kind) => probabilities[kinds.findIndex((k) => k.kind === kind)] ?? 0,
    inject(sample) {
      if (!running && temperature > 0) {
        // One draw picks at most one kind: kind k owns an interval of length p_k, so P(k) is exactly p_k.
        let u = random.next();
        for (const [i, m] of kinds.entries()) {
          const p = probabilities[i]!;
          if (u < p) {
            running = { kind: m.kind, episode: ++episodes, step: 0, e: m.start(ctx, sample, previous) };
            break;
          }
          u -= p;
        }
      }
      if (!running) {
        remember(sample);
        return [];
      }
      const r = running;
      r.e.apply(sample, r.step);
      remember(sample);
      const label: AnomalyLabel = {
        kind: r.kind,
        episode: r.episode,
        ...(r.e.sensor === undefined ? {} : { sensor: r.e.sensor }),
        ...(r.e.phase === undefined ? {} : { phase: r.e.phase }),
        ...(r.e.phases === undefined ? {} : { phases: r.e.phases }),
        magnitude: r.e.magnitude,
        step: r.step,
        length: r.e.length,
      };
      r.step++;
      if (r.step >= r.e.length) running = undefined;
      return [label];
    },
  };
}
