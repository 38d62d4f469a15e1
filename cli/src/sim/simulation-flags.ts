import { resolve } from 'node:path';
import type { Io } from '../command.js';
import { flagError, flagNumber, flagString, type FlagValues, type ParsedFlags } from '../flag-values.js';

// The flags `sim` and `sim historical` share, checked the same way in both.

/** --plcs: an integer in 1..1000. */
export function plcsFlag(values: FlagValues): ParsedFlags<number> {
  const plcs = flagNumber(values, 'plcs');
  if (!(Number.isInteger(plcs) && plcs >= 1 && plcs <= 1000)) return flagError(`--plcs ${flagString(values, 'plcs')} is not an integer in 1..1000`);
  return { ok: true, value: plcs };
}

/** --temperature: anomalies, a number in 0..1. */
export function temperatureFlag(values: FlagValues): ParsedFlags<number> {
  const temperature = flagNumber(values, 'temperature');
  if (!(temperature >= 0 && temperature <= 1)) return flagError(`--temperature ${flagString(values, 'temperature')} is not a number in 0..1 (0 = no anomalies, 1 = the most)`);
  return { ok: true, value: temperature };
}

/** --seed: an integer in 0..2³²-1; undefined when not given (a random one is drawn). */
export function seedFlag(values: FlagValues): ParsedFlags<number | undefined> {
  if (values['seed'] === undefined) return { ok: true, value: undefined };
  const seed = flagNumber(values, 'seed');
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffff_ffff)) return flagError(`--seed ${flagString(values, 'seed')} is not an integer in 0..4294967295`);
  return { ok: true, value: seed };
}

/** --model, else $PHASE_MODEL_FILE, as an absolute path; undefined = the built-in phase model. */
export function modelFlag(values: FlagValues, env: Io['env'], cwd: string): string | undefined {
  const model = flagString(values, 'model') || env['PHASE_MODEL_FILE']?.trim() || undefined;
  return model === undefined ? undefined : resolve(cwd, model);
}
