import { PHASE_SECONDS } from '../phase-model/phase-model-types.js';
import type { PhaseModel } from '../phase-model/phase-model-types.js';
import type { AnomalyContext, AnomalyKind, AnomalyKindModel } from './anomaly.js';

/**
 * The seven kinds of anomaly (docs/simulator.md, "Anomalies"). Value kinds
 * change `values[phase][sensor]`; timing kinds change `durations` (seconds
 * by phase) or `order` (the phase run in each slot); `silent` sets `silent`.
 * Values are indexed by the phase that ran, so a spike in phase 3 stays
 * with phase 3 wherever the slot order puts it.
 */

/** Rates: probability that an episode starts in 30 s of operation without a running one, at temperature 1 (linear in temperature). */
export const ANOMALY_RATES: Readonly<Record<AnomalyKind, number>> = {
  spike: 0.2,
  drift: 0.04,
  stuck: 0.04,
  'noise-burst': 0.03,
  'phase-too-long': 0.03,
  'phase-out-of-order': 0.02,
  silent: 0.01,
};

/**
 * Size of an anomaly at a temperature, in widths of the normal range: an
 * episode draws uniformly between half of it and all of it.
 */
export const anomalyMagnitude = (temperature: number): number => 0.25 + 1.75 * temperature;

const widthOf = (model: PhaseModel, sensor: number, phase: number): number => {
  const [min, max] = model[sensor]?.[phase] ?? [0, 1];
  return max - min > 0 ? max - min : 1;
};
const drawMagnitude = (ctx: AnomalyContext) => anomalyMagnitude(ctx.temperature) * ctx.random.uniform(0.5, 1);
const sensorsOf = (values: number[][]) => values[0]?.length ?? 0;
/** An episode length of `cycles` 30-second cycles, in samples. */
const samples = (ctx: AnomalyContext, cycles: number) => Math.max(1, Math.round(ctx.samplesPerCycle * cycles));
const rateOf = (kind: AnomalyKind) => (t: number) => ANOMALY_RATES[kind] * t;

const spike: AnomalyKindModel = {
  kind: 'spike',
  rate: rateOf('spike'),
  start(ctx, sample) {
    const sensor = ctx.random.int(sensorsOf(sample.values));
    const phase = ctx.random.int(sample.values.length);
    const magnitude = drawMagnitude(ctx);
    const up = ctx.random.chance(0.5);
    const [min, max] = ctx.model[sensor]?.[phase] ?? [0, 1];
    const width = widthOf(ctx.model, sensor, phase);
    const value = up ? max + (0.1 + magnitude) * width : min - (0.1 + magnitude) * width;
    return {
      sensor,
      phase,
      magnitude,
      length: 1,
      apply(s) {
        const row = s.values[phase];
        if (row) row[sensor] = value;
      },
    };
  },
};

/**
 * How far past the edge of its range, in range widths, every value of a
 * drift, noise burst or stuck start lies at least. Normal values fill their
 * ranges, so a labelled value inside its range could not be told from a
 * normal one; 0.1 width is well past a detector's measurement tolerance and
 * past the 3-decimal rounding of the data sets.
 */
export const VISIBLE_GAP = 0.1;

/**
 * A calibration fault: one sensor reads off by an offset, the same sign in
 * every phase, that starts at (1 + gap) range widths, so even a reading at
 * the far bound lands past the near one, and grows linearly to (1 + gap + m)
 * widths over 3–10 cycles; then the sensor is recalibrated (snaps back).
 * The reading keeps following the process underneath the offset.
 */
const drift: AnomalyKindModel = {
  kind: 'drift',
  rate: rateOf('drift'),
  start(ctx, sample) {
    const sensor = ctx.random.int(sensorsOf(sample.values));
    const magnitude = drawMagnitude(ctx);
    const sign = ctx.random.chance(0.5) ? 1 : -1;
    const length = samples(ctx, 3 + ctx.random.int(8));
    return {
      sensor,
      magnitude,
      length,
      apply(s, step) {
        const grown = length > 1 ? step / (length - 1) : 1;
        s.values.forEach((row, phase) => {
          row[sensor] = (row[sensor] ?? 0) + sign * widthOf(ctx.model, sensor, phase) * (1 + VISIBLE_GAP + magnitude * grown);
        });
      },
    };
  },
};

/** Whether `value` lies at least VISIBLE_GAP widths outside the range of (sensor, phase). */
const leaves = (model: PhaseModel, sensor: number, phase: number, value: number): boolean => {
  const [min, max] = model[sensor]?.[phase] ?? [0, 1];
  const gap = VISIBLE_GAP * widthOf(model, sensor, phase);
  return value < min - gap || value > max + gap;
};

/**
 * A sensor freezes: from phase p of this sample on it repeats the reading
 * taken just before (phase p − 1, or for p = 0 the previous cycle's last
 * reading), for the rest of the sample and 1 to 2 + 8t more. p is chosen
 * where that reading lies outside phase p's range (the PLC moves on, the
 * sensor does not), so the first frozen row is out of range and every later
 * one repeats the two before it exactly. Where no such phase exists (a
 * one-phase reading stream, a plant model with one range in every phase),
 * it freezes from p = 0 at the previous reading: then only the repeat shows.
 */
const stuck: AnomalyKindModel = {
  kind: 'stuck',
  rate: rateOf('stuck'),
  start(ctx, sample, previous) {
    const before = (sensor: number, p: number) => (p === 0 ? previous?.[sensor] : sample.values[p - 1]?.[sensor]);
    const candidates = Array.from({ length: sensorsOf(sample.values) }, (_, sensor) =>
      sample.values.flatMap((_, p) => {
        const v = before(sensor, p);
        return v !== undefined && leaves(ctx.model, sensor, p, v) ? [p] : [];
      }),
    );
    const visible = candidates.flatMap((ps, sensor) => (ps.length > 0 ? [sensor] : []));
    const sensor = visible.length > 0 ? visible[ctx.random.int(visible.length)]! : ctx.random.int(sensorsOf(sample.values));
    const phases = candidates[sensor] ?? [];
    const phase = phases.length > 0 ? phases[ctx.random.int(phases.length)]! : 0;
    const held = before(sensor, phase) ?? sample.values[0]?.[sensor] ?? 0;
    const length = samples(ctx, 2 + ctx.random.int(2 + Math.round(8 * ctx.temperature)));
    return {
      sensor,
      phase,
      magnitude: 0,
      length,
      apply(s, step) {
        s.values.forEach((row, p) => {
          if (step > 0 || p >= phase) row[sensor] = held;
        });
      },
    };
  },
};

/**
 * A loose connection or electrical interference on one sensor, every phase,
 * for 1 to 2 + 4t cycles: each value jumps by (1 + gap + m·|N(0,1)|) range
 * widths, alternating up and down from one row to the next, so every noisy
 * value lies outside its range, by more at a higher temperature.
 */
const noiseBurst: AnomalyKindModel = {
  kind: 'noise-burst',
  rate: rateOf('noise-burst'),
  start(ctx, sample) {
    const sensor = ctx.random.int(sensorsOf(sample.values));
    const magnitude = drawMagnitude(ctx);
    const firstUp = ctx.random.chance(0.5);
    const length = samples(ctx, 1 + ctx.random.int(2 + Math.round(4 * ctx.temperature)));
    return {
      sensor,
      magnitude,
      length,
      apply(s, step) {
        s.values.forEach((row, phase) => {
          const up = ((step * s.values.length + phase) % 2 === 0) === firstUp;
          const jump = 1 + VISIBLE_GAP + magnitude * Math.abs(ctx.random.normal());
          row[sensor] = (row[sensor] ?? 0) + (up ? 1 : -1) * jump * widthOf(ctx.model, sensor, phase);
        });
      },
    };
  },
};

/** A phase waits on something (a valve, a heater): it lasts (1.25 + m) × 6 s; its values stay normal, later phases start late. One cycle. */
const phaseTooLong: AnomalyKindModel = {
  kind: 'phase-too-long',
  rate: rateOf('phase-too-long'),
  start(ctx, sample) {
    const phase = ctx.random.int(sample.values.length);
    const magnitude = 0.25 + drawMagnitude(ctx);
    const seconds = Math.round(PHASE_SECONDS * (1 + magnitude) * 1000) / 1000;
    return {
      phase,
      magnitude,
      length: 1,
      apply(s) {
        s.durations ??= s.values.map(() => PHASE_SECONDS);
        s.durations[phase] = seconds;
      },
    };
  },
};

/** The sequencer runs two phases swapped: neighbours, or at a high temperature sometimes any two. One cycle. */
const phaseOutOfOrder: AnomalyKindModel = {
  kind: 'phase-out-of-order',
  rate: rateOf('phase-out-of-order'),
  start(ctx, sample) {
    const n = sample.values.length;
    const a = ctx.random.int(n - 1);
    const b = ctx.random.chance(ctx.temperature / 2) ? a + 1 + ctx.random.int(n - 1 - a) : a + 1;
    return {
      phases: [a, b],
      magnitude: b - a,
      length: 1,
      apply(s) {
        s.order ??= s.values.map((_, p) => p);
        const i = s.order.indexOf(a);
        const j = s.order.indexOf(b);
        s.order[i] = b;
        s.order[j] = a;
      },
    };
  },
};

/** The device goes quiet (power, network, a crashed controller) for 2 to 3 + 10t cycles: its samples are marked silent. */
const silent: AnomalyKindModel = {
  kind: 'silent',
  rate: rateOf('silent'),
  start(ctx) {
    return {
      magnitude: 0,
      length: samples(ctx, 2 + ctx.random.int(2 + Math.round(10 * ctx.temperature))),
      apply(s) {
        s.silent = true;
      },
    };
  },
};

/** Every kind, by name. */
export const ANOMALY_MODELS: Readonly<Record<AnomalyKind, AnomalyKindModel>> = {
  spike,
  drift,
  stuck,
  'noise-burst': noiseBurst,
  'phase-too-long': phaseTooLong,
  'phase-out-of-order': phaseOutOfOrder,
  silent,
};
