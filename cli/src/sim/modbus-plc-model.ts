import { CYCLE_MS, encodePlcImage, PHASE_SECONDS, PLC_STATUS, type CycleSample, type PlcImage, type SampleSource } from '@typedcluster/core';

export const PHASE_MS = PHASE_SECONDS * 1000;

/** One simulated PLC's input registers as simulated time passes (docs/modbus.md §3). */
export interface PlcModel {
  /** The simulated time of the next phase end, ms since the epoch. */
  readonly nextBoundary: number;
  readonly image: PlcImage;
  /** The image as registers (docs/modbus.md §2), refreshed on every change. */
  readonly words: readonly number[];
  /** Cycles latched so far, and their anomaly episodes started. */
  readonly cycles: number;
  readonly anomalies: number;
  /** Applies every phase end up to simulated time `t`; true when the image changed. */
  advanceTo(t: number): boolean;
}

/**
 * A PLC running 30 s cycles of five 6 s phases. A cycle's values come from
 * the simulator's sample source when it starts (so a seed gives the same
 * values as `typedcluster sim` over MQTT); each phase's s1…s5 appear in the
 * registers when that phase ends, and the whole cycle is latched when its
 * fifth phase ends. At `startTime` the last completed cycle is latched
 * already, as on a PLC that has been running.
 */
export function createPlcModel(source: SampleSource, startTime: number, onCycle?: (sample: CycleSample) => void): PlcModel {
  const grid = Math.floor(startTime / CYCLE_MS) * CYCLE_MS;
  const nextCycle = (start: number): CycleSample => {
    const s = source.next(start);
    if (s.kind !== 'cycle') throw new Error('a PLC model needs a cycle source');
    return s;
  };
  let cycles = 0;
  let anomalies = 0;
  const latch = (c: CycleSample) => {
    cycles++;
    anomalies += c.anomalies.filter((l) => l.step === 0).length;
    onCycle?.(c);
    return { cycle: c.cycle, cycleStart: c.cycleStart, phases: c.phases };
  };
  const previous = nextCycle(grid - CYCLE_MS);
  let image: PlcImage = {
    status: PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID,
    updateSeq: 1,
    phase: 5,
    phaseCycle: previous.cycle,
    sensors: previous.phases[4] ?? [],
    lastCycle: latch(previous),
  };
  let words = encodePlcImage(image);
  let current = nextCycle(grid);
  let done = 0; // phases of `current` that have ended
  let boundary = grid + PHASE_MS;

  const model: PlcModel = {
    get nextBoundary() {
      return boundary;
    },
    get image() {
      return image;
    },
    get words() {
      return words;
    },
    get cycles() {
      return cycles;
    },
    get anomalies() {
      return anomalies;
    },
    advanceTo(t) {
      let changed = false;
      while (boundary <= t) {
        done++;
        const ended = current;
        image = { ...image, updateSeq: (image.updateSeq + 1) >>> 0, phase: done, phaseCycle: ended.cycle, sensors: ended.phases[done - 1] ?? [] };
        if (done === 5) {
          image = { ...image, lastCycle: latch(ended) };
          current = nextCycle(ended.cycleStart + CYCLE_MS);
          done = 0;
        }
        boundary += PHASE_MS;
        changed = true;
      }
      if (changed) words = encodePlcImage(image);
      return changed;
    },
  };
  model.advanceTo(startTime);
  return model;
}
