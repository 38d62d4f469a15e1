/**
 * `--detector best`: the one place that says which detector the project
 * recommends per data set, and why (the figures are in docs/detectors.md).
 *
 * - sim: phase-range. The simulator draws normal values inside the phase
 *   model's ranges, so the fixed ranges are exact: value anomalies leave
 *   them, no normal row does; the cycle-structure check adds the timing kinds
 *   and the repeat check the stuck rows still inside their range. F1 ≥ 0.99
 *   per type at temperatures 0.1–1, seeds 7 and 42 (docs/detectors.md).
 * - skab: drift-t2, Hotelling T² (Ledoit–Wolf) whose per-sensor variance
 *   grows with time at the rate the file's own first 400 rows show (a
 *   pump's temperatures wander, its flow does not), each std floored at
 *   the sensor's resolution, averaged over 60 s. Its settings come from a
 *   leave-one-file-out procedure (eval/skab-lofo.ts); the pooled LOFO
 *   figure is the honest one: F1 0.83, FAR 11.0 %, MAR 22.2 % on the
 *   valve1 files at hand, beside Conv-AE's 0.78 / 13.55 % / 28.02 %.
 */
export const RECOMMENDED = { sim: 'phase-range', skab: 'drift-t2' } as const;

export type EvalDataset = keyof typeof RECOMMENDED;
