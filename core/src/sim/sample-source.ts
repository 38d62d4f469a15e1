import { CYCLE_SECONDS, TYPICAL_MODEL } from '../phase-model/typical-model.js';
import { createAnomalyInjector } from './anomaly.js';
import type { AnomalyKind, AnomalyLabel } from './anomaly.js';
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
  /** phases[p][s], 5 × 5. */
  readonly phases: number[][];
  /** Empty for a normal cycle. */
  readonly anomalies: AnomalyLabel[];
}

export interface ReadingSample {
  readonly kind: 'reading';
  readonly ts: number;
  readonly temperature: number;
  readonly pressure: number;
  readonly humidity: number;
  readonly anomalies: AnomalyLabel[];
}

export type SimSample = CycleSample | ReadingSample;

export interface SampleSourceOptions {
  readonly seed: number;
  /** The device's index in the run (0-based): with the seed, it alone decides the device's numbers. */
  readonly index: number;
  readonly stream: SimStream;
  readonly temperature: number;
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
    model: o.stream === 'cycle' ? TYPICAL_MODEL : READING_MODEL,
    samplesPerCycle: o.stream === 'cycle' ? 1 : CYCLE_MS / READING_MS,
    ...(o.kinds ? { kinds: o.kinds } : {}),
  });
  if (o.stream === 'cycle') {
    const gen = createCycleGenerator({ random: values });
    return {
      next(time) {
        const draft = { values: gen.next() };
        const anomalies = injector.inject(draft);
        return { kind: 'cycle', cycleStart: time, cycle: Math.floor(time / CYCLE_MS) >>> 0, phases: draft.values, anomalies };
      },
    };
  }
  const gen = createReadingGenerator({ random: values });
  return {
    next(time) {
      const r = gen.next();
      const draft = { values: [[r.temperature, r.pressure, r.humidity]] };
      const anomalies = injector.inject(draft);
      const [temperature = NaN, pressure = NaN, humidity = NaN] = draft.values[0] ?? [];
      return { kind: 'reading', ts: time, temperature, pressure, humidity, anomalies };
    },
  };
}
