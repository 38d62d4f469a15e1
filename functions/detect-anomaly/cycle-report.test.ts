import assert from 'node:assert/strict';
import { createPrng, sampleNormalCycle } from '@typedcluster/core';
import { createDetector, type Detector, type Sample } from '@typedcluster/detectors';
import { judgeCycle, scoreCycle, type CycleInput } from './cycle-report.js';
import { PLC_FEATURES } from './setup.js';

const T0 = Date.parse('2026-11-21T07:00:00.000Z');

/** Normal cycles with, now and then, s3 far out in phase 3, s2 drifting in phase 5, or a missing value. */
function cycles(n: number, seed: number): CycleInput[] {
  const prng = createPrng(seed);
  return Array.from({ length: n }, (_, i) => {
    const phases: (number | null)[][] = sampleNormalCycle(() => prng.next());
    if (i % 7 === 3) phases[2]![2] = 90;
    if (i % 11 === 5) phases[4]![1] = (phases[4]![1] as number) * 1.5;
    if (i % 13 === 9) phases[1]![0] = null;
    return { plc: 4, cycle: i, cycleStart: new Date(T0 + i * 30_000).toISOString(), phases };
  });
}

async function fitted(name: string): Promise<Detector> {
  const d = createDetector(name, { seed: 1 });
  if (!d.ok) throw new Error(d.error.message);
  const prng = createPrng(5);
  const stream = (): Sample[] => Array.from({ length: 300 }, () => sampleNormalCycle(() => prng.next()).map((values, p) => ({ group: p + 1, values }))).flat();
  await d.value.fit([stream(), stream()], { features: PLC_FEATURES, seed: 1 });
  return d.value;
}

describe('a cycle verdict (judgeCycle)', () => {
  // phase-range: the default; ewma: stateful; zscore~3: smoothed (its findings come from the inner score's).
  for (const name of ['phase-range', 'ewma', 'zscore~3']) {
    it(`${name}: its verdict agrees with its report, and a report built cycles later equals one built at once`, async () => {
      const detector = await fitted(name);
      const model = { detector: name, version: 2 };
      const input = cycles(120, 9);
      const atOnce = detector.scorer();
      const eager = input.map((c) => scoreCycle(c, atOnce, model));
      const later = detector.scorer();
      const verdicts = input.map((c) => judgeCycle(c, later, model));
      const reports = verdicts.map((v) => v.report());
      assert.deepEqual(reports, eager);
      for (const [i, v] of verdicts.entries()) {
        assert.equal(v.is_anomaly, reports[i]!.is_anomaly);
        assert.equal(v.status, reports[i]!.status);
        assert.equal(v.report(), reports[i], 'the same report on every call');
      }
      const kinds = new Set(reports.map((r) => (r.status === 'unusable' ? 'unusable' : r.is_anomaly ? 'anomaly' : 'normal')));
      assert.deepEqual([...kinds].sort(), ['anomaly', 'normal', 'unusable'], 'the input has every kind of cycle');
    });
  }
});
