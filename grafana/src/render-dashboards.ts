import { TYPICAL_MODEL, type PhaseModel } from '@typedcluster/core';
import { plantDashboard } from './plant-dashboard.js';
import { platformDashboard } from './platform-dashboard.js';

/** Every dashboard: its file under grafana/dashboards/ and its JSON text, as committed. */
export function renderDashboards(model: PhaseModel = TYPICAL_MODEL): Record<string, string> {
  const json = (d: { build(): unknown }) => JSON.stringify(d.build(), null, 2) + '\n';
  return {
    'plant.json': json(plantDashboard(model)),
    'platform.json': json(platformDashboard()),
  };
}
