/** The shape of a PLC cycle (wire-format §5.2): 5 phases of 6 s, 5 sensors. */
export const PHASES = 5;
export const SENSORS = 5;
export const PHASE_SECONDS = 6;
export const CYCLE_SECONDS = PHASES * PHASE_SECONDS;

export type Range = readonly [min: number, max: number];
/** ranges[sensor][phase] = [min, max], 0-based (s1 = 0, phase 1 = 0). */
export type PhaseModel = readonly (readonly Range[])[];
