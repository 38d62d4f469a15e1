import type { PhaseModel } from './phase-model-types.js';

/** A model as a file in the shape of modelo_tipico.json (one sensor per line), readable back by parsePhaseModel. */
export function phaseModelToJson(model: PhaseModel, comment: string): string {
  const sensors = model.map((ranges, s) => `    "s${s + 1}": [${ranges.map(([min, max]) => `[${min}, ${max}]`).join(', ')}]`);
  return `{\n  "comment": ${JSON.stringify(comment)},\n  "sensors": {\n${sensors.join(',\n')}\n  }\n}\n`;
}
