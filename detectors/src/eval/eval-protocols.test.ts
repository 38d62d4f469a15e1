import assert from 'node:assert/strict';
import { createPrng, sampleNormalCycle } from '@typedcluster/core';
import type { HistoricalRow } from '@typedcluster/core';
import { createCycleStructureCheck, createRepeatCheck } from '../cycle-structure.js';
import { parseSkabCsv } from './skab-csv.js';
import { SKAB_TRAIN_ROWS, runSkab } from './skab-protocol.js';
import { runSim } from './sim-protocol.js';

const HEADER = 'datetime;a;b;anomaly;changepoint';

function skabText(rows: number, anomalyFrom: number, seed: number): string {
  const r = createPrng(seed);
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) {
    const bad = i >= anomalyFrom;
    lines.push(`2020-01-01 00:00:${i};${(r.normal() + (bad ? 8 : 0)).toFixed(4)};${r.normal().toFixed(4)};${bad ? '1.0' : '0.0'};0.0`);
  }
  return lines.join('\n');
}

describe('evaluation protocols', () => {
  it('parses SKAB CSV: features, labels, non-numbers as null; names the bad row', () => {
    const f = parseSkabCsv('x.csv', `${HEADER}\n2020;1;NaN;0.0;0.0\n2020;2;;1.0;0.0\n`);
    assert.ok(f.ok);
    assert.deepEqual(f.value.features, ['a', 'b']);
    assert.deepEqual(f.value.rows, [[1, null], [2, null]]);
    assert.deepEqual(f.value.labels, [0, 1]);
    const bad = parseSkabCsv('y.csv', `${HEADER}\n2020;1;2;0.5;0.0\n`);
    assert.equal(!bad.ok && bad.error.code, 'DATASET_INVALID');
    assert.equal(!bad.ok && bad.error.at, 'y.csv:2:anomaly');
    const free = parseSkabCsv('free.csv', 'datetime;a\n2020;1\n');
    assert.ok(free.ok && free.value.labels === undefined);
  });

  it('SKAB protocol: first 400 rows of each labelled file train, the rest is scored point-wise', async () => {
    const files = [skabText(600, 500, 1), skabText(520, 450, 2)].map((t, i) => {
      const r = parseSkabCsv(`${i}.csv`, t);
      assert.ok(r.ok);
      return r.value;
    });
    const free = parseSkabCsv('free.csv', 'datetime;a;b\n2020;1;2\n');
    assert.ok(free.ok);
    const out = await runSkab([...files, free.value], 'zscore');
    assert.equal(out.labels.length, 600 - SKAB_TRAIN_ROWS + 520 - SKAB_TRAIN_ROWS);
    assert.equal(out.labels.filter((y) => y === 1).length, 100 + 70);
    const hits = out.labels.filter((y, i) => y === 1 && out.flagged[i]).length;
    assert.ok(hits >= 165, `a +8σ shift is caught (${hits}/170)`);
    await assert.rejects(runSkab([free.value], 'zscore'), { code: 'DATASET_INVALID' });
  });

  it('cycle structure: phases out of their slot and phases over 6 s (+5 %) are found', () => {
    const c = createCycleStructureCheck();
    const seq = [[0, 1, 6], [0, 2, 6], [0, 4, 6], [0, 3, 6], [0, 5, 6.2], [1, 1, 6.4], [1, 2, 6]] as const;
    assert.deepEqual(
      seq.map(([cycle, phase, duration_s]) => c.check({ cycle, phase, duration_s })),
      [undefined, undefined, 'phase-out-of-order', 'phase-out-of-order', undefined, 'phase-too-long', undefined],
    );
  });

  it('repeat check: a value 3 times in a row on one sensor is stuck', () => {
    const c = createRepeatCheck();
    assert.deepEqual([[1, 2], [1, 3], [1, 4], [5, 4]].map((v) => c.check(v)), [[], [], [0], []]);
  });

  it('sim protocol: trains on the first half, scores the second with value, structure and stuck checks', async () => {
    const r = createPrng(3);
    const rows: HistoricalRow[] = [];
    for (let cycle = 0; cycle < 200; cycle++) {
      const values = sampleNormalCycle(() => r.next()).map((v) => v.map((x) => Math.round(x * 1000) / 1000));
      for (let p = 0; p < 5; p++) {
        const spike = cycle === 150 && p === 2;
        const silent = cycle === 160;
        const v = values[p]!;
        rows.push({
          plc: 1, cycle, phase: p + 1, timestamp: '2026-01-01T00:00:00.000Z', duration_s: 6,
          s1: silent ? null : v[0]!, s2: silent ? null : v[1]!, s3: silent ? null : spike ? 60 : v[2]!, s4: silent ? null : v[3]!, s5: silent ? null : v[4]!,
          anomaly: spike || silent ? 1 : 0, anomaly_type: spike ? 'spike' : silent ? 'silent' : null, anomaly_sensors: spike ? ['s3'] : [],
        });
      }
    }
    const out = await runSim(rows, 'phase-range');
    assert.equal(out.labels.length, 500);
    assert.equal(out.flagged.filter(Boolean).length, 6, 'the spike and the 5 silent rows, nothing else');
    assert.deepEqual(out.types.filter((t, i) => t && out.flagged[i]).sort(), ['silent', 'silent', 'silent', 'silent', 'silent', 'spike']);
    assert.equal(out.unusable, 5);
    assert.equal(out.explained, 1);
    assert.equal(out.explainedRight, 1);
  });
});
