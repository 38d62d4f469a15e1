import assert from 'node:assert/strict';
import { ALL_ANOMALY_KINDS, generateHistoricalRows } from '@typedcluster/core';
import { perType } from '../metrics.js';
import { RECOMMENDED } from './recommended.js';
import { runSim } from './sim-protocol.js';

/**
 * Issue 5's goal on the simulator's data, end to end on a small data set:
 * every anomaly the simulator labels is observable (docs/simulator.md), so
 * the recommended detector with the structure and stuck checks finds each
 * type with F1 ≥ 0.99 and blames a labelled sensor.
 */
describe('sim evaluation: the recommended detector on generated data', function () {
  this.timeout(60_000);

  it('4 PLCs × 1 day at temperature 0.3: F1 ≥ 0.99 for every type, top blamed sensor a labelled one', async () => {
    const rows = generateHistoricalRows({ plcs: 4, from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 2), temperature: 0.3, seed: 42 });
    const out = await runSim(rows, RECOMMENDED.sim);
    const types = perType(out.types, out.flagged);
    assert.deepEqual(Object.keys(types).sort(), [...ALL_ANOMALY_KINDS].sort(), 'every kind is in the test half');
    for (const [kind, t] of Object.entries(types)) assert.ok(t.f1 >= 0.99, `${kind}: F1 ${t.f1.toFixed(4)} over ${t.positives} rows (recall ${t.recall.toFixed(4)})`);
    const falseAlarms = out.labels.filter((y, i) => y === 0 && out.flagged[i]).length;
    assert.ok(falseAlarms <= 1, `${falseAlarms} false alarms`);
    assert.ok(out.explained > 1000, `${out.explained} explained rows`);
    assert.equal(out.explainedRight, out.explained, 'the top blamed sensor is always a labelled one');
  });
});
