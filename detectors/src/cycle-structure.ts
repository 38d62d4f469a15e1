/**
 * Phase-timing and silence are not value anomalies: no detector of values
 * can see a phase that ran too long or out of order. This check runs over
 * one PLC's rows in order, beside the value detector: the phase in each
 * slot of a cycle must be the slot's (1, 2, … 5) and last its nominal time
 * (within a 5 % timing tolerance). Silent rows (all values missing) are the
 * value detectors' Unusable, so they are reported, never normal.
 */
export interface StructureRow {
  readonly cycle: number;
  readonly phase: number;
  readonly duration_s: number;
}

export type StructureFinding = 'phase-out-of-order' | 'phase-too-long';

/** Fraction over the nominal phase time still counted as on time. */
export const TIMING_TOLERANCE = 0.05;

export function createCycleStructureCheck(phaseSeconds = 6): { check(row: StructureRow): StructureFinding | undefined } {
  let cycle: number | undefined;
  let slot = 0;
  return {
    check(row) {
      if (row.cycle !== cycle) {
        cycle = row.cycle;
        slot = 0;
      }
      slot++;
      if (row.phase !== slot) return 'phase-out-of-order';
      if (row.duration_s > phaseSeconds * (1 + TIMING_TOLERANCE)) return 'phase-too-long';
      return undefined;
    },
  };
}

/**
 * A stuck sensor repeats one value. Readings are continuous but stored
 * with 3 decimals, so one repeat can be chance (about 1 in 1000 on a
 * sensor whose range is 1 wide); a value seen 3 times in a row is not.
 * Returns the sensors whose value equals their previous two rows' (the
 * first two rows of a stuck stretch pass). The simulator freezes a sensor
 * at a reading that leaves the next phase's range, so its first frozen
 * row is the value detector's and the second already is a third equal
 * value (docs/simulator.md); a run of 2 would flag chance repeats instead.
 */
export const STUCK_RUN = 3;

export function createRepeatCheck(run = STUCK_RUN): { check(values: readonly (number | null)[]): number[] } {
  let previous: readonly (number | null)[] = [];
  let runs: number[] = [];
  return {
    check(values) {
      runs = values.map((v, i) => (v !== null && v === previous[i] ? (runs[i] ?? 1) + 1 : 1));
      previous = values;
      return runs.flatMap((n, i) => (n >= run ? [i] : []));
    },
  };
}
