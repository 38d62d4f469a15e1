import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { TYPICAL_MODEL } from '@typedcluster/core';
import { POSTGRES, PROMETHEUS, renderDashboards } from '@typedcluster/grafana';
import { REPO_ROOT } from './support/test-platform.js';

const GRAFANA = join(REPO_ROOT, 'grafana');
type Json = Record<string, unknown> & { panels?: Json[]; targets?: Json[] };

describe('Grafana dashboards as code', () => {
  it('the committed grafana/dashboards/*.json are what grafana/src generates (run npm run grafana:generate)', () => {
    const generated = renderDashboards();
    const committed = readdirSync(join(GRAFANA, 'dashboards')).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(committed, Object.keys(generated).sort(), 'dashboard files differ from the generator\'s list');
    for (const [name, text] of Object.entries(generated)) {
      assert.equal(readFileSync(join(GRAFANA, 'dashboards', name), 'utf8'), text, `grafana/dashboards/${name} drifted from its generator: run npm run grafana:generate`);
    }
  });

  it('draws each sensor\'s band from the phase model: a changed range changes the dashboard', () => {
    const plant = JSON.parse(renderDashboards()['plant.json']!) as Json;
    const s5 = plant.panels!.find((p) => p['title'] === 's5 with its normal range per phase')!;
    const [lo, hi] = TYPICAL_MODEL[4]![2]!;
    assert.ok(String(s5.targets![0]!['rawSql']).includes(`(3, ${lo}, ${hi})`));
    const changed = TYPICAL_MODEL.map((ranges, s) => ranges.map(([a, b], p) => (s === 4 && p === 2 ? ([a, b + 100] as const) : ([a, b] as const))));
    assert.notEqual(renderDashboards(changed)['plant.json'], renderDashboards()['plant.json']);
  });

  it('every panel names a provisioned data source by uid', () => {
    const provisioned = parse(readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'typedcluster.yml'), 'utf8')) as { datasources: { uid: string; type: string }[] };
    const known = new Set(provisioned.datasources.map((d) => `${d.type}/${d.uid}`));
    assert.deepEqual([...known].sort(), [POSTGRES, PROMETHEUS].map((d) => `${d.type}/${d.uid}`).sort());
    for (const text of Object.values(renderDashboards())) {
      for (const panel of (JSON.parse(text) as Json).panels ?? []) {
        if (panel['type'] === 'row') continue;
        const ds = panel['datasource'] as { type: string; uid: string };
        assert.ok(known.has(`${ds.type}/${ds.uid}`), `panel ${String(panel['title'])}`);
        assert.ok((panel.targets ?? []).length > 0, `panel ${String(panel['title'])} has no query`);
      }
    }
  });
});
