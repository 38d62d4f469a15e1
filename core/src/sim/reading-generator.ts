import type { PhaseModel } from '../phase-model/typical-model.js';
import { reflect01 } from './cycle-generator.js';
import type { Prng } from './prng.js';

/**
 * Normal ranges of an industrial reading (wire-format §5.1), as a
 * one-phase model so the anomaly injector treats readings like cycles:
 * temperature °C, pressure kPa, humidity %RH.
 */
export const READING_MODEL: PhaseModel = [[[15, 30]], [[98, 104]], [[30, 60]]];

export interface ReadingValues {
  temperature: number;
  pressure: number;
  humidity: number;
}

export interface ReadingGenerator {
  /** The next reading, one second after the previous one. */
  next(): ReadingValues;
}

/**
 * Plausible 1-second readings of a plant room: temperature and pressure
 * wander slowly around 22 °C and 101.3 kPa; relative humidity falls as the
 * temperature rises. Mean-reverting random walks, kept inside READING_MODEL.
 */
export function createReadingGenerator(o: { readonly random: Prng }): ReadingGenerator {
  const { random } = o;
  const [tMin, tMax] = READING_MODEL[0]![0]!;
  const [pMin, pMax] = READING_MODEL[1]![0]!;
  const [hMin, hMax] = READING_MODEL[2]![0]!;
  let temperature = 22 + random.uniform(-1, 1);
  let pressure = 101.3 + random.uniform(-0.3, 0.3);
  let humidity = 45 + random.uniform(-2, 2);
  return {
    next() {
      temperature = within(22 + 0.995 * (temperature - 22) + 0.08 * random.normal(), tMin, tMax);
      pressure = within(101.3 + 0.998 * (pressure - 101.3) + 0.02 * random.normal(), pMin, pMax);
      const target = 45 - 1.5 * (temperature - 22);
      humidity = within(target + 0.99 * (humidity - target) + 0.2 * random.normal(), hMin, hMax);
      return { temperature, pressure, humidity };
    },
  };
}

/** Reflects x into [min, max]. */
const within = (x: number, min: number, max: number): number => min + (max - min) * reflect01((x - min) / (max - min));
