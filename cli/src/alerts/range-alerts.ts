import type { PhaseModel } from '@typedcluster/core';
import type { Alert } from './alert.js';
import type { CyclePhaseRow, ReadingRow } from './api-rows.js';

/** Per `<plc>/<sensor>`: whether it is out of range now, and the time of the newest value that said so. */
export type SensorStates = Record<string, { out: boolean; lastAt: number }>;

/** One measured value to check: the row key makes the alert id stable. */
interface Check {
  readonly plc: number;
  readonly sensor: string;
  readonly phase?: number;
  readonly at: string;
  readonly value: number | null;
  readonly range: readonly [number, number] | undefined;
  readonly rowKey: string;
}

const CYCLE_SENSORS = ['s1', 's2', 's3', 's4', 's5'] as const;
const READING_SENSORS = ['temperature', 'pressure', 'humidity'] as const;

/** Each sensor value of a cycle phase row, with its phase's range (model[sensor][phase]). */
export function cycleChecks(rows: readonly CyclePhaseRow[], model: PhaseModel): Check[] {
  return rows.flatMap((r) =>
    CYCLE_SENSORS.map((s, i) => ({ plc: r.device_id, sensor: s, phase: r.phase, at: r.phase_start, value: r[s], range: model[i]?.[r.phase - 1], rowKey: `${r.seq}/${r.phase}` })),
  );
}

/** Each value of a reading row against the one-phase reading model. */
export function readingChecks(rows: readonly ReadingRow[], model: PhaseModel): Check[] {
  return rows.flatMap((r) =>
    READING_SENSORS.map((s, i) => ({ plc: r.device_id, sensor: s, at: r.ts, value: r[s], range: model[i]?.[0], rowKey: String(r.seq) })),
  );
}

/**
 * Raises `out-of-range` when a sensor leaves its range and `back-in-range`
 * when it returns; a sensor that stays out raises nothing more (the
 * de-duplication the issue asks for). Values are taken in measurement order;
 * a value older than the newest one seen for its sensor (a late row) cannot
 * change the state, but still raises `out-of-range` if the sensor is in
 * range now, so an excursion is never hidden. A NULL value (the device sent
 * NaN or Infinity) is out of range: a broken sensor must be noticed.
 * Mutates `states`.
 */
export function rangeAlerts(checks: readonly Check[], states: SensorStates): Alert[] {
  const sorted = [...checks].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.plc - b.plc || (a.phase ?? 0) - (b.phase ?? 0));
  const alerts: Alert[] = [];
  for (const c of sorted) {
    if (!c.range) continue; // no model for it: nothing to say
    const key = `${c.plc}/${c.sensor}`;
    const at = Date.parse(c.at);
    const [min, max] = c.range;
    const out = c.value === null || !(c.value >= min && c.value <= max);
    const state = states[key] ?? { out: false, lastAt: -Infinity };
    const late = at < state.lastAt;
    if (out && !state.out) alerts.push(alertOf('out-of-range', c));
    if (!out && state.out && !late) alerts.push(alertOf('back-in-range', c));
    if (!late) states[key] = { out, lastAt: at };
  }
  return alerts;
}

function alertOf(kind: 'out-of-range' | 'back-in-range', c: Check): Alert {
  const [min, max] = c.range ?? [NaN, NaN];
  const where = c.phase ? ` in phase ${c.phase}` : '';
  const message =
    kind === 'back-in-range' ? `${c.sensor} back in range${where}: ${c.value} within [${min}, ${max}]`
    : c.value === null ? `${c.sensor} sent no usable value${where} (NaN or Infinity)`
    : `${c.sensor} out of range${where}: ${c.value} not within [${min}, ${max}]`;
  return {
    id: `${kind}:${c.plc}:${c.sensor}:${c.rowKey}`,
    kind,
    plc: c.plc,
    at: c.at,
    sensor: c.sensor,
    ...(c.phase ? { phase: c.phase } : {}),
    value: c.value,
    range: [min, max],
    message,
  };
}
