import assert from 'node:assert/strict';
import { confusion, perType, rocAuc, summarise } from './metrics.js';

describe('evaluation metrics (hand-computed examples)', () => {
  it('confusion counts, precision, recall, SKAB F1, FAR and MAR', () => {
    // labels   1 1 1 0 0 0 0 1
    // flagged  1 1 0 1 0 0 0 0  → TP 2, FN 2, FP 1, TN 3
    const c = confusion([1, 1, 1, 0, 0, 0, 0, 1], [true, true, false, true, false, false, false, false]);
    assert.deepEqual(c, { tp: 2, fp: 1, tn: 3, fn: 2 });
    const s = summarise(c);
    assert.equal(s.precision, 2 / 3);
    assert.equal(s.recall, 0.5);
    assert.equal(s.f1, 2 / (2 + 1.5)); // 0.5714…
    assert.equal(s.far, 0.25);
    assert.equal(s.mar, 0.5);
  });

  it('the all-anomalous baseline: recall 1, FAR 1, F1 = 2p/(1+p)', () => {
    const labels: (0 | 1)[] = [1, 1, 1, 0, 0];
    const s = summarise(confusion(labels, labels.map(() => true)));
    assert.equal(s.far, 1);
    assert.equal(s.mar, 0);
    assert.equal(s.f1, 3 / (3 + 1)); // = 2·0.6/1.6
  });

  it('empty denominators are 0, never NaN', () => {
    const s = summarise(confusion([0, 0], [false, false]));
    assert.deepEqual([s.precision, s.recall, s.f1, s.far, s.mar], [0, 0, 0, 0, 0]);
  });

  it('refuses labels and predictions of different lengths', () => {
    assert.throws(() => confusion([1], []), RangeError);
  });

  it('ROC-AUC: perfect, reversed, and ties counting one half', () => {
    assert.equal(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]), 1);
    assert.equal(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]), 0);
    assert.equal(rocAuc([0, 1], [0.5, 0.5]), 0.5);
    // pos {0.4, 0.8}, neg {0.4, 0.1}: pairs (0.4>0.1)=1, (0.4=0.4)=½, (0.8>0.4)=1, (0.8>0.1)=1 → 3.5/4
    assert.equal(rocAuc([1, 1, 0, 0], [0.4, 0.8, 0.4, 0.1]), 3.5 / 4);
    assert.equal(rocAuc([1, 0, 0], [Infinity, 1, 2]), 1);
    assert.ok(Number.isNaN(rocAuc([1, 1], [0.1, 0.2])));
  });

  it('per type: recall over its rows, F1 against every false alarm', () => {
    const types = ['spike', 'spike', 'drift', 'drift', 'drift', 'drift', null, null, null, null];
    const flagged = [true, true, true, false, false, false, true, false, false, false];
    const t = perType(types, flagged);
    assert.deepEqual(Object.keys(t), ['drift', 'spike']);
    assert.deepEqual(t.spike, { positives: 2, detected: 2, recall: 1, f1: 2 / (2 + 0.5) });
    assert.deepEqual(t.drift, { positives: 4, detected: 1, recall: 0.25, f1: 1 / (1 + 2) });
  });
});
