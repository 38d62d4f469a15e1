/**
 * The normal range of each sensor (s1…s5) in each of the 5 phases of a
 * 30-second cycle, from the user's specification. The spec writes s5 with
 * reversed bounds in phases 4 ("3-2") and 5 ("1-0"); they are normalised
 * here to [min, max].
 */
export const PHASES = 5;
export const SENSORS = 5;
export const PHASE_SECONDS = 6;
export const CYCLE_SECONDS = PHASES * PHASE_SECONDS;

export type Range = readonly [min: number, max: number];
/** ranges[sensor][phase] */
export type PhaseModel = readonly (readonly Range[])[];

export const TYPICAL_MODEL: PhaseModel = [
  [[0, 5], [5, 10], [15, 16], [5, 10], [0, 5]],
  [[0, 5], [0, 5], [10, 15], [0, 5], [0, 5]],
  [[0, 5], [10, 20], [20, 30], [10, 20], [0, 5]],
  [[0, 30], [30, 35], [35, 40], [40, 45], [45, 50]],
  [[0, 1], [1, 2], [3, 4], [2, 3], [0, 1]],
];

/** A normal cycle, phases[p][s], each value drawn uniformly inside its range. `random` returns [0, 1). */
export function sampleNormalCycle(random: () => number, model: PhaseModel = TYPICAL_MODEL): number[][] {
  return Array.from({ length: PHASES }, (_, p) =>
    Array.from({ length: SENSORS }, (_, s) => {
      const [min, max] = model[s]?.[p] ?? [0, 0];
      return min + (max - min) * random();
    }),
  );
}
