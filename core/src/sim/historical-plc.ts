import { PHASE_SECONDS } from '../phase-model/phase-model-types.js';
import type { PhaseModel } from '../phase-model/phase-model-types.js';
import { createAnomalyInjector } from './anomaly.js';
import type { AnomalyKind, AnomalyLabel, SampleDraft } from './anomaly.js';
import { createCycleGenerator } from './cycle-generator.js';
import type { HistoricalRow } from './historical-row.js';
import { createPrng, deriveSeed } from './prng.js';

export interface PlcCyclesOptions {
  /** PLC id written in the rows, 1..32767. */
  readonly plc: number;
  readonly seed: number;
  readonly temperature: number;
  readonly model: PhaseModel;
  readonly kinds?: readonly AnomalyKind[];
  /** First cycle's start and the end of the range, ms since the epoch. */
  readonly from: number;
  readonly to: number;
  /** Sees each cycle's injected labels and draft, before it becomes rows (tests check labels against it). */
  readonly observe?: (plc: number, cycle: number, labels: readonly AnomalyLabel[], draft: Readonly<SampleDraft>) => void;
}

/** One cycle's rows in slot (time) order, and when each starts (ms since the epoch). */
export interface PlcCycle {
  readonly rows: readonly HistoricalRow[];
  readonly starts: readonly number[];
}

/** One PLC's cycles as rows, back to back in time. */
export interface PlcCycles {
  /** The next cycle; undefined once it would end after `to`. */
  next(): PlcCycle | undefined;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

// PLCs mostly share phase start times: formatting each time once saves most toISOString calls.
let lastTime = NaN;
let lastIso = '';
const isoTime = (t: number) => (t === lastTime ? lastIso : ((lastTime = t), (lastIso = new Date(t).toISOString())));

/**
 * Runs one PLC without interruption from `from`: each cycle starts when
 * the previous one ended (30 s, more after a phase ran too long), and only
 * whole cycles that end by `to` are produced. Values and anomalies draw
 * from `deriveSeed(seed, plc, 0)` and `deriveSeed(seed, plc, 1)`, so a PLC's
 * rows depend only on the seed, its id and the settings, never on how many
 * other PLCs run. Values are rounded to 3 decimals (the sensors' resolution).
 */
export function createPlcCycles(o: PlcCyclesOptions): PlcCycles {
  const values = createCycleGenerator({ random: createPrng(deriveSeed(o.seed, o.plc, 0)), model: o.model });
  const injector = createAnomalyInjector({
    temperature: o.temperature,
    random: createPrng(deriveSeed(o.seed, o.plc, 1)),
    model: o.model,
    ...(o.kinds ? { kinds: o.kinds } : {}),
  });
  let start = o.from;
  let cycle = 0;
  return {
    next() {
      const draft: SampleDraft = { values: values.next() };
      const labels = injector.inject(draft);
      const ms = draft.values.map((_, p) => Math.round((draft.durations?.[p] ?? PHASE_SECONDS) * 1000));
      const end = start + ms.reduce((a, b) => a + b, 0);
      if (end > o.to) return undefined;
      o.observe?.(o.plc, cycle, labels, draft);
      const label = labels[0];
      const rows: HistoricalRow[] = [];
      const starts: number[] = [];
      let t = start;
      for (let slot = 0; slot < draft.values.length; slot++) {
        const phase = draft.order?.[slot] ?? slot;
        const v = draft.values[phase] ?? [];
        const touched = label !== undefined && touches(label, phase, slot);
        const value = (s: number) => (draft.silent ? null : round3(v[s] ?? NaN));
        rows.push({
          plc: o.plc,
          cycle,
          phase: phase + 1,
          timestamp: isoTime(t),
          duration_s: (ms[phase] ?? 0) / 1000,
          s1: value(0),
          s2: value(1),
          s3: value(2),
          s4: value(3),
          s5: value(4),
          anomaly: touched ? 1 : 0,
          anomaly_type: touched ? label.kind : null,
          anomaly_sensors: touched && label.sensor !== undefined ? [`s${label.sensor + 1}`] : [],
        });
        starts.push(t);
        t += ms[phase] ?? 0;
      }
      start = end;
      cycle++;
      return { rows, starts };
    },
  };
}

/** Whether an anomaly label touches the row of `phase` run in `slot` (0-based). */
function touches(l: AnomalyLabel, phase: number, slot: number): boolean {
  switch (l.kind) {
    case 'spike':
    case 'phase-too-long':
      return l.phase === phase;
    case 'phase-out-of-order':
      return phase !== slot;
    case 'stuck':
      return l.step > 0 || phase >= (l.phase ?? 0); // it freezes from l.phase of its first cycle on
    default:
      return true; // drift, noise-burst (one sensor, every phase) and silent (every row)
  }
}
