/** Shapes the dashboard's server pieces share and the page reads (docs/dashboard.md, "Events"). */

/** One row of cycle_phases as the dashboard keeps it. */
export interface PhaseRow {
  readonly plc: number;
  readonly seq: string;
  readonly cycle: number;
  /** 1..5 */
  readonly phase: number;
  /** phase_start, epoch ms */
  readonly t: number;
  /** s1..s5; null where the sensor sent NaN or Infinity */
  readonly s: readonly (number | null)[];
}

/** s1…s5, and `dev`: how far the row is outside its phase bands (0 = every sensor inside). */
export const SERIES_NAMES = ['s1', 's2', 's3', 's4', 's5', 'dev'] as const;
export type SeriesName = (typeof SERIES_NAMES)[number];

/** Columnar, as uPlot draws it; lo/hi is the expected band of each point's phase (s1…s5 only). */
export interface SeriesChunk {
  readonly t: number[];
  readonly v: (number | null)[];
  readonly phase: number[];
  readonly lo?: number[];
  readonly hi?: number[];
}

/** New points of one PLC, or (replace) everything the client should now show for it. */
export interface PlcChunk {
  readonly plc: number;
  readonly replace: boolean;
  readonly lastCycle: number | undefined;
  readonly series: Partial<Record<SeriesName, SeriesChunk>>;
}

export interface AnomalyMarker {
  readonly id: string;
  readonly plc: number;
  readonly ts: number;
  readonly cycle: number | null;
  readonly phase: number | null;
  readonly detector: string;
  readonly score: number | null;
  readonly confidence: number | null;
  readonly sensors: string[];
  readonly acknowledged: boolean;
}
