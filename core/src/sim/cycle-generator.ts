import { PHASES, SENSORS, TYPICAL_MODEL } from '../phase-model/typical-model.js';
import type { PhaseModel } from '../phase-model/typical-model.js';
import type { Prng } from './prng.js';

export interface CycleGeneratorOptions {
  readonly random: Prng;
  /** `model[sensor][phase]` = [min, max]; default the typical model of the user's specification. */
  readonly model?: PhaseModel;
}

/** Normal PLC cycles, `phases[p][s]`, every value inside its phase range. */
export interface CycleGenerator {
  next(): number[][];
}

/**
 * Normal cycles that look like one machine running: each (sensor, phase)
 * keeps an operating point in its range that wanders from cycle to cycle
 * (a mean-reverting AR(1) walk, reflected at the bounds) instead of
 * jumping uniformly, so consecutive cycles resemble each other.
 */
export function createCycleGenerator(o: CycleGeneratorOptions): CycleGenerator {
  const model = o.model ?? TYPICAL_MODEL;
  const { random } = o;
  const PHI = 0.8; // how much of the last cycle's deviation stays
  const SIGMA = 0.12; // step, in range widths
  const point = Array.from({ length: PHASES }, () => Array.from({ length: SENSORS }, () => random.next()));
  return {
    next() {
      return point.map((row, p) =>
        row.map((u, s) => {
          const moved = reflect01(0.5 + PHI * (u - 0.5) + SIGMA * random.normal());
          row[s] = moved;
          const [min, max] = model[s]?.[p] ?? [0, 0];
          return min + (max - min) * moved;
        }),
      );
    },
  };
}

/** Folds x back into [0, 1] as a mirror would. */
export function reflect01(x: number): number {
  let y = x;
  for (let i = 0; i < 8 && (y < 0 || y > 1); i++) y = y < 0 ? -y : 2 - y;
  return Math.min(1, Math.max(0, y));
}
