import { StartupError } from '../errors/startup-error.js';
import modeloTipico from './modelo_tipico.json' with { type: 'json' };
import type { Env } from '../config/env-parsers.js';
import { loadPhaseModel, readPhaseModelConfig, validatePhaseModel } from './parse-phase-model.js';
import { PHASES, SENSORS } from './phase-model-types.js';
import type { PhaseModel } from './phase-model-types.js';

export { PHASES, SENSORS, PHASE_SECONDS, CYCLE_SECONDS } from './phase-model-types.js';
export type { PhaseModel, Range } from './phase-model-types.js';

/**
 * The normal range of each sensor (s1…s5) in each of the 5 phases of a
 * 30-second cycle, from the user's specification, as data: the one source
 * is `modelo_tipico.json` next to this file (it ships with the compiled
 * library). The spec writes s5 with reversed bounds in phases 4 ("3-2") and
 * 5 ("1-0"); the file holds them normalised to [min, max].
 */
export const TYPICAL_MODEL: PhaseModel = (() => {
  const r = validatePhaseModel(modeloTipico, 'core/src/phase-model/modelo_tipico.json');
  if (!r.ok) throw new StartupError(r.error.code, r.error.message, 'the built-in model is broken: restore core/src/phase-model/modelo_tipico.json');
  return r.value;
})();

/**
 * The model this process runs with: the plant's PHASE_MODEL_FILE when set,
 * else the built-in one. Every part that judges values by phase (detectors,
 * dashboard, alerts) calls this once at start, so they all agree.
 * Throws StartupError MODEL_INVALID naming the field of a bad file.
 */
export function phaseModelOf(env: Env): PhaseModel {
  const { file } = readPhaseModelConfig(env);
  return file === undefined ? TYPICAL_MODEL : loadPhaseModel(file);
}

/** A normal cycle, phases[p][s], each value drawn uniformly inside its range. `random` returns [0, 1). */
export function sampleNormalCycle(random: () => number, model: PhaseModel = TYPICAL_MODEL): number[][] {
  return Array.from({ length: PHASES }, (_, p) =>
    Array.from({ length: SENSORS }, (_, s) => {
      const [min, max] = model[s]?.[p] ?? [0, 0];
      return min + (max - min) * random();
    }),
  );
}
