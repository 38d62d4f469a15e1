import assert from 'node:assert/strict';
import type { FeatureFinding, Sample } from './detector.js';
import { LazyScore, makeScore } from './score-support.js';

const sample: Sample = { group: 1, values: [1, 2, 3] };
const findingsOf = (contributions: number[]): FeatureFinding[] =>
  contributions.map((contribution, index) => ({ index, value: sample.values[index] as number, expected: 0, range: [-1, 1], contribution }));

describe('LazyScore', () => {
  for (const [what, contributions, score] of [
    ['normal', [0.1, 0.3, 0.2], 0.3],
    ['anomalous', [0.4, 3, 2.5], 3],
    ['anomalous with no contribution', [0, 0, 0], 2],
  ] as const) {
    it(`reads as makeScore's Score for the same findings (${what}), building them once`, () => {
      let built = 0;
      const lazy = new LazyScore(score, 1, (s, detail: number[]) => {
        built++;
        assert.equal(s, sample);
        return findingsOf(detail);
      }, sample, [...contributions]);
      const eager = makeScore(score, 1, findingsOf([...contributions]));
      assert.equal(built, lazy.isAnomaly ? 1 : 0, 'findings built at once only when anomalous (to rank affected)');
      assert.deepEqual(JSON.parse(JSON.stringify(lazy)), JSON.parse(JSON.stringify(eager)));
      assert.deepEqual({ score: lazy.score, isAnomaly: lazy.isAnomaly, confidence: lazy.confidence, affected: [...lazy.affected] }, { score: eager.score, isAnomaly: eager.isAnomaly, confidence: eager.confidence, affected: [...eager.affected] });
      assert.equal(lazy.findings, lazy.findings);
      assert.equal(built, 1);
    });
  }
});
