import { readFileSync } from 'node:fs';
import type { Env } from '../config/env-parsers.js';
import { StartupError } from '../errors/startup-error.js';
import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import type { PhaseModel, Range } from './phase-model-types.js';
import { PHASES, SENSORS } from './phase-model-types.js';

const SENSOR_KEYS = Array.from({ length: SENSORS }, (_, s) => `s${s + 1}`);

/**
 * Checks a phase model in the shape of `modelo_tipico.json`:
 * `{ "sensors": { "s1": [[min, max] × 5 phases], …, "s5": […] } }` (other
 * top-level keys, such as "comment", are ignored). Every failure names the
 * field, e.g. `sensors.s5[3]`. Bounds are never swapped silently: min > max
 * is refused, so a plant's typo does not become a model.
 */
export function validatePhaseModel(data: unknown, source: string): Result<PhaseModel> {
  const bad = (field: string, why: string) => fail<PhaseModel>('MODEL_INVALID', `${source}: ${field} ${why}`, field);
  if (!isObject(data)) return bad('(top level)', 'is not a JSON object with a "sensors" field');
  const sensors = data['sensors'];
  if (!isObject(sensors)) return bad('sensors', `is missing or not an object of ${SENSOR_KEYS.join(', ')}`);
  for (const key of Object.keys(sensors)) if (!SENSOR_KEYS.includes(key)) return bad(`sensors.${key}`, `is not a sensor of the model (${SENSOR_KEYS.join(', ')})`);
  const model: Range[][] = [];
  for (const key of SENSOR_KEYS) {
    const phases = sensors[key];
    if (phases === undefined) return bad(`sensors.${key}`, 'is missing');
    if (!Array.isArray(phases)) return bad(`sensors.${key}`, `is not an array of ${PHASES} [min, max] ranges`);
    if (phases.length !== PHASES) return bad(`sensors.${key}`, `has ${phases.length} phases, not ${PHASES}`);
    const ranges: Range[] = [];
    for (const [p, range] of phases.entries()) {
      const field = `sensors.${key}[${p}]`;
      if (!Array.isArray(range) || range.length !== 2) return bad(field, 'is not a [min, max] pair');
      const [min, max] = range as unknown[];
      if (typeof min !== 'number' || !Number.isFinite(min)) return bad(`${field}[0] (min)`, 'is not a finite number');
      if (typeof max !== 'number' || !Number.isFinite(max)) return bad(`${field}[1] (max)`, 'is not a finite number');
      if (min > max) return bad(field, `has min ${min} > max ${max} (write [${max}, ${min}])`);
      ranges.push([min, max]);
    }
    model.push(ranges);
  }
  return ok(model);
}

/** `validatePhaseModel` of a file's text; invalid JSON fails with MODEL_INVALID too. */
export function parsePhaseModel(text: string, source: string): Result<PhaseModel> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return fail('MODEL_INVALID', `${source}: is not JSON (${(e as Error).message})`);
  }
  return validatePhaseModel(data, source);
}

/** Reads and checks a plant's model file; throws StartupError (MODEL_INVALID) with the field at fault. */
export function loadPhaseModel(file: string): PhaseModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StartupError('MODEL_INVALID', `cannot read the phase model ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'point PHASE_MODEL_FILE (or --model) at a readable modelo_tipico.json');
  }
  const r = parsePhaseModel(text, file);
  if (!r.ok) throw new StartupError(r.error.code, r.error.message, 'fix the file (shape: core/src/phase-model/modelo_tipico.json, docs/simulator.md)');
  return r.value;
}

/** The variables of the phase model, for README tables: [name, default, meaning]. */
export const PHASE_MODEL_ENV = [
  ['PHASE_MODEL_FILE', '(built-in modelo_tipico.json)', "A plant's own phase model (normal range of s1..s5 in each of the 5 phases), in the shape of core/src/phase-model/modelo_tipico.json; read by the simulator, detect-anomaly, the dashboard and the alert client."],
] as const;

export interface PhaseModelConfig {
  /** The plant's model file; undefined = the built-in typical model. */
  readonly file: string | undefined;
}

/** Reads PHASE_MODEL_FILE; `loadPhaseModel(file)` (or TYPICAL_MODEL when undefined) then gives the model. */
export function readPhaseModelConfig(env: Env): PhaseModelConfig {
  const file = env['PHASE_MODEL_FILE']?.trim();
  return { file: file ? file : undefined };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
