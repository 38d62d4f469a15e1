import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { PHASES, SENSORS } from '../phase-model/typical-model.js';

/**
 * The input-register map of a PLC as a Modbus TCP server (docs/modbus.md
 * is the spec; §n below are its clauses). One read of PLC_REGISTER_COUNT
 * input registers from address 0 (function 04) gives a consistent image.
 */

/** docs/modbus.md §2: register addresses (0-based, protocol addresses). */
export const PLC_REGISTERS = {
  mapId: 0,
  version: 1,
  status: 2,
  /** u32, high word first: +1 on every change of the image. */
  updateSeq: 3,
  /** 1..5: the phase whose values `sensors` hold; 0 before the first phase completed. */
  phase: 5,
  /** u32: the cycle number that phase belongs to. */
  phaseCycle: 6,
  /** s1..s5, float32 each (two registers, high word first). */
  sensors: 8,
  /** u32: the number of the last completed cycle. */
  cycle: 18,
  /** u64 ms since the epoch, four registers, high word first. */
  cycleStart: 20,
  /** 25 float32, phase-major as wire-format §5.2: phase 1 s1..s5, …, phase 5 s1..s5. */
  cycleValues: 24,
} as const;

/** docs/modbus.md §2: registers in the map; one read (≤ 125, the Modbus limit). */
export const PLC_REGISTER_COUNT = PLC_REGISTERS.cycleValues + 2 * PHASES * SENSORS;
/** "TC", as the wire format's magic. */
export const PLC_MAP_ID = 0x5443;
export const PLC_MAP_VERSION = 1;

/** docs/modbus.md §3: the status word's bits; the others are 0. */
export const PLC_STATUS = {
  RUNNING: 1 << 0,
  PHASE_VALID: 1 << 1,
  CYCLE_VALID: 1 << 2,
  SENSOR_FAULT: 1 << 3,
} as const;
const KNOWN_STATUS_BITS = PLC_STATUS.RUNNING | PLC_STATUS.PHASE_VALID | PLC_STATUS.CYCLE_VALID | PLC_STATUS.SENSOR_FAULT;

/** The ECMAScript Date range, as wire-format §5.3 bounds times. */
const MAX_TIME_MS = 8.64e15;

export interface LatchedCycle {
  readonly cycle: number;
  readonly cycleStart: number;
  /** phases[p][s], 5 × 5. */
  readonly phases: ReadonlyArray<ReadonlyArray<number>>;
}

/** What a PLC's input registers say. */
export interface PlcImage {
  readonly status: number;
  readonly updateSeq: number;
  /** 0 (none yet) or 1..5. */
  readonly phase: number;
  readonly phaseCycle: number;
  /** s1..s5 of `phase`. */
  readonly sensors: readonly number[];
  /** The last completed cycle, when the CYCLE_VALID bit is set. */
  readonly lastCycle: LatchedCycle | undefined;
}

/** Limits of what a decoded value may be before it is called garbage. */
export interface PlcImageLimits {
  /** |value| above this is not a measurement (docs/modbus.md §4); default 1e6. */
  readonly maxAbsValue?: number;
}

/** The image as PLC_REGISTER_COUNT words (u16). Values are rounded to float32. */
export function encodePlcImage(image: PlcImage): number[] {
  const b = Buffer.alloc(PLC_REGISTER_COUNT * 2);
  const at = (reg: number) => reg * 2;
  b.writeUInt16BE(PLC_MAP_ID, at(PLC_REGISTERS.mapId));
  b.writeUInt16BE(PLC_MAP_VERSION, at(PLC_REGISTERS.version));
  const status = (image.status & ~PLC_STATUS.CYCLE_VALID) | (image.lastCycle ? PLC_STATUS.CYCLE_VALID : 0);
  b.writeUInt16BE(status & 0xffff, at(PLC_REGISTERS.status));
  b.writeUInt32BE(image.updateSeq >>> 0, at(PLC_REGISTERS.updateSeq));
  b.writeUInt16BE(image.phase, at(PLC_REGISTERS.phase));
  b.writeUInt32BE(image.phaseCycle >>> 0, at(PLC_REGISTERS.phaseCycle));
  for (let s = 0; s < SENSORS; s++) b.writeFloatBE(image.sensors[s] ?? 0, at(PLC_REGISTERS.sensors + 2 * s));
  const c = image.lastCycle;
  if (c) {
    b.writeUInt32BE(c.cycle >>> 0, at(PLC_REGISTERS.cycle));
    b.writeBigUInt64BE(BigInt(c.cycleStart), at(PLC_REGISTERS.cycleStart));
    for (let p = 0; p < PHASES; p++) {
      for (let s = 0; s < SENSORS; s++) b.writeFloatBE(c.phases[p]?.[s] ?? 0, at(PLC_REGISTERS.cycleValues + 2 * (p * SENSORS + s)));
    }
  }
  return Array.from({ length: PLC_REGISTER_COUNT }, (_, i) => b.readUInt16BE(i * 2));
}

/**
 * Reads and checks an image (docs/modbus.md §4). Failures name the first
 * register at fault in `at`: MODBUS_BAD_RESPONSE (count, non-u16 words),
 * MODBUS_BAD_MAP, MODBUS_BAD_PHASE, MODBUS_BAD_VALUE. The sensor-fault bit
 * is decoded, not judged: the poller decides.
 */
export function decodePlcImage(words: readonly number[], limits: PlcImageLimits = {}): Result<PlcImage> {
  if (words.length !== PLC_REGISTER_COUNT) return fail('MODBUS_BAD_RESPONSE', `expected ${PLC_REGISTER_COUNT} registers, got ${words.length}`, 'count');
  const b = Buffer.alloc(PLC_REGISTER_COUNT * 2);
  for (const [i, w] of words.entries()) {
    if (!Number.isInteger(w) || w < 0 || w > 0xffff) return fail('MODBUS_BAD_RESPONSE', `register ${i} holds ${w}, not a 16-bit word`, i);
    b.writeUInt16BE(w, i * 2);
  }
  const u16 = (reg: number) => b.readUInt16BE(reg * 2);
  const u32 = (reg: number) => b.readUInt32BE(reg * 2);
  const f32 = (reg: number) => b.readFloatBE(reg * 2);
  const maxAbs = limits.maxAbsValue ?? 1e6;

  if (u16(PLC_REGISTERS.mapId) !== PLC_MAP_ID) return fail('MODBUS_BAD_MAP', `map id 0x${u16(PLC_REGISTERS.mapId).toString(16)} is not 0x5443`, PLC_REGISTERS.mapId);
  if (u16(PLC_REGISTERS.version) !== PLC_MAP_VERSION) return fail('MODBUS_BAD_MAP', `map version ${u16(PLC_REGISTERS.version)} is not ${PLC_MAP_VERSION}`, PLC_REGISTERS.version);
  const status = u16(PLC_REGISTERS.status);
  if ((status & ~KNOWN_STATUS_BITS) !== 0) return fail('MODBUS_BAD_MAP', `status 0x${status.toString(16)} has unknown bits`, PLC_REGISTERS.status);

  const phase = u16(PLC_REGISTERS.phase);
  const phaseValid = (status & PLC_STATUS.PHASE_VALID) !== 0;
  if (phaseValid ? phase < 1 || phase > PHASES : phase !== 0) {
    return fail('MODBUS_BAD_PHASE', `phase ${phase} is not ${phaseValid ? '1..5' : '0 (phase-valid bit clear)'}`, PLC_REGISTERS.phase);
  }
  const sensors = Array.from({ length: SENSORS }, (_, s) => f32(PLC_REGISTERS.sensors + 2 * s));
  if (phaseValid) {
    const bad = sensors.findIndex((v) => !plausible(v, maxAbs));
    if (bad >= 0) return fail('MODBUS_BAD_VALUE', `s${bad + 1} of phase ${phase} is ${sensors[bad]}`, PLC_REGISTERS.sensors + 2 * bad);
  }

  let lastCycle: LatchedCycle | undefined;
  if (status & PLC_STATUS.CYCLE_VALID) {
    const start = b.readBigUInt64BE(PLC_REGISTERS.cycleStart * 2);
    if (start > BigInt(MAX_TIME_MS)) return fail('MODBUS_BAD_VALUE', `cycle start ${start} ms is beyond the range of a date`, PLC_REGISTERS.cycleStart);
    const phases = Array.from({ length: PHASES }, (_, p) => Array.from({ length: SENSORS }, (_, s) => f32(PLC_REGISTERS.cycleValues + 2 * (p * SENSORS + s))));
    for (const [p, row] of phases.entries()) {
      const s = row.findIndex((v) => !plausible(v, maxAbs));
      if (s >= 0) return fail('MODBUS_BAD_VALUE', `cycle value phase ${p + 1} s${s + 1} is ${row[s]}`, PLC_REGISTERS.cycleValues + 2 * (p * SENSORS + s));
    }
    lastCycle = { cycle: u32(PLC_REGISTERS.cycle), cycleStart: Number(start), phases };
  }
  return ok({ status, updateSeq: u32(PLC_REGISTERS.updateSeq), phase, phaseCycle: u32(PLC_REGISTERS.phaseCycle), sensors, lastCycle });
}

const plausible = (v: number, maxAbs: number) => Number.isFinite(v) && Math.abs(v) <= maxAbs;
