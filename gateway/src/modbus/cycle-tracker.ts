import { CYCLE_MS, fail, ok, PLC_STATUS, type CycleInput, type PlcImage, type Result } from '@typedcluster/core';

/** What one good poll means (docs/modbus.md §5). */
export type Observation =
  | { readonly kind: 'nothing-new' }
  /** The first image after start: a baseline, nothing sealed (that cycle may have been sent by an earlier run). */
  | { readonly kind: 'baseline' }
  /** A cycle completed since the last poll; `missed` completed cycles were never seen (poll too slow, or the PLC was away). */
  | { readonly kind: 'cycle'; readonly cycle: CycleInput; readonly missed: number };

export interface CycleTracker {
  /** Judges an image decoded from `words`; a failure is garbage (reported, nothing sealed). */
  observe(image: PlcImage, words: readonly number[]): Result<Observation>;
}

/**
 * Follows one PLC's latched cycle across polls. A cycle is sealed once,
 * when its start is later than the last sealed one; the update counter
 * tells a fresh image from a repeated one. Garbage: an image that changed
 * while its counter did not, a latched cycle that went back in time or
 * changed under the same start (MODBUS_STALE_COUNTER), the sensor-fault bit
 * (MODBUS_DEVICE_FAULT). A counter that goes back is a PLC restart, not garbage.
 */
export function createCycleTracker(): CycleTracker {
  let last: { seq: number; words: string } | undefined;
  let sealed: { start: number; values: string } | undefined;
  let started = false;

  return {
    observe(image, words) {
      const key = words.join(',');
      if (last && image.updateSeq === last.seq) {
        if (key !== last.words) return fail('MODBUS_STALE_COUNTER', `registers changed but the update counter stayed at ${image.updateSeq}`, 'updateSeq');
        return ok({ kind: 'nothing-new' });
      }
      if (image.status & PLC_STATUS.SENSOR_FAULT) return fail('MODBUS_DEVICE_FAULT', 'the PLC reports a sensor fault (status bit 3)', 'status');
      const c = image.lastCycle;
      const values = c ? JSON.stringify(c.phases) : '';
      if (c && sealed) {
        if (c.cycleStart < sealed.start) return fail('MODBUS_STALE_COUNTER', `latched cycle start ${new Date(c.cycleStart).toISOString()} is before the last one sealed`, 'cycleStart');
        if (c.cycleStart === sealed.start && values !== sealed.values) return fail('MODBUS_STALE_COUNTER', `latched cycle ${c.cycle} changed its values under the same start`, 'cycleValues');
      }
      last = { seq: image.updateSeq, words: key };
      if (!started) {
        started = true;
        if (c) sealed = { start: c.cycleStart, values };
        return ok({ kind: 'baseline' });
      }
      if (!c || (sealed && c.cycleStart <= sealed.start)) return ok({ kind: 'nothing-new' });
      const missed = sealed ? Math.max(0, Math.round((c.cycleStart - sealed.start) / CYCLE_MS) - 1) : 0;
      sealed = { start: c.cycleStart, values };
      return ok({ kind: 'cycle', cycle: { cycleStart: c.cycleStart, cycle: c.cycle, phases: c.phases }, missed });
    },
  };
}
