import { CYCLE_SECONDS, TYPICAL_MODEL } from '../phase-model/typical-model.js';
import type { PhaseModel } from '../phase-model/typical-model.js';
import { createAnomalyInjector, realTimeAnomalyKinds } from './anomaly.js';
import type { AnomalyKind, AnomalyLabel, SampleDraft } from './anomaly.js';
import { createCycleGenerator } from './cycle-generator.js';
import { createPrng, deriveSeed } from './prng.js';
import { READING_MODEL, createReadingGenerator } from './reading-generator.js';

/** What a simulated device sends: PLC cycles (wire-format §5.2) or industrial readings (§5.1). */
export type SimStream = 'cycle' | 'reading';

export interface CycleSample {
  readonly kind: 'cycle';
  /** ms since the epoch, on the 30 s grid. */
  readonly cycleStart: number;
  /** The cycle's slot on the 30 s grid, `cycleStart / 30000` (u32): stable across restarts. */
  readonly cycle: number;
  /** phases[slot][s], 5 × 5, in the order the phases ran (a phase-out-of-order cycle carries two swapped). */
  readonly phases: number[][];
  /** Empty for a normal cycle. */
  readonly anomalies: AnomalyLabel[];
  /** The PLC is silent (anomaly `silent`): this cycle is not sent. */
  readonly silent?: true;
}

export interface ReadingSample {
  readonly kind: 'reading';
  readonly ts: number;
  readonly temperature: number;
  readonly pressure: number;
  readonly humidity: number;
  readonly anomalies: AnomalyLabel[];
  /** The sensor is silent (anomaly `silent`): this reading is not sent. */
  readonly silent?: true;
}

export type SimSample = CycleSample | ReadingSample;

export interface SampleSourceOptions {
  readonly seed: number;
  /** The device's index in the run (0-based): with the seed, it alone decides the device's numbers. */
  readonly index: number;
  readonly stream: SimStream;
  readonly temperature: number;
  /** The PLCs' phase model (cycle stream); default TYPICAL_MODEL. */
  readonly model?: PhaseModel;
  /** Default: the kinds the stream can carry, `realTimeAnomalyKinds(stream)`. */
  readonly kinds?: readonly AnomalyKind[];
}

export interface SampleSource {
  /** The next sample, for the cycle starting at `time` or the reading taken at `time` (ms since the epoch). */
  next(time: number): SimSample;
}

export const CYCLE_MS = CYCLE_SECONDS * 1000;
export const READING_MS = 1000;

/**
 * One simulated device's samples. Base values and anomalies draw from two
 * streams derived from (seed, index), so the same seed gives the same
 * values and labels whatever the timing, and the same base values at any
 * temperature.
 */
export function createSampleSource(o: SampleSourceOptions): SampleSource {
  const values = createPrng(deriveSeed(o.seed, o.index, 0));
  const injector = createAnomalyInjector({
    temperature: o.temperature,
    random: createPrng(deriveSeed(o.seed, o.index, 1)),
    model: o.stream === 'cycle' ? (o.model ?? TYPICAL_MODEL) : READING_MODEL,
    samplesPerCycle: o.stream === 'cycle' ? 1 : CYCLE_MS / READING_MS,
    kinds: o.kinds ?? realTimeAnomalyKinds(o.stream),
  });
  if (o.stream === 'cycle') {
    const gen = createCycleGenerator({ random: values, model: o.model ?? TYPICAL_MODEL });
    return {
      next(time) {
        const draft: SampleDraft = { values: gen.next() };
        const anomalies = injector.inject(draft);
        // A CYCLE frame carries values by slot; durations (phase-too-long) it cannot carry.
        const phases = draft.order ? draft.order.map((p) => draft.values[p]!) : draft.values;
        return { kind: 'cycle', cycleStart: time, cycle: Math.floor(time / CYCLE_MS) >>> 0, phases, anomalies, ...(draft.silent ? { silent: true as const } : {}) };
      },
    };
  }
  const gen = createReadingGenerator({ random: values });
  return {
    next(time) {
      const r = gen.next();
      const draft: SampleDraft = { values: [[r.temperature, r.pressure, r.humidity]] };
      const anomalies = injector.inject(draft);
      const [temperature = NaN, pressure = NaN, humidity = NaN] = draft.values[0] ?? [];
      return { kind: 'reading', ts: time, temperature, pressure, humidity, anomalies, ...(draft.silent ? { silent: true as const } : {}) };
    },
  };
}
