import assert from 'node:assert/strict';
import { createPrng } from '@typedcluster/core';
import type { Detector, Sample, Score, ScoreResult } from './detector.js';
import { createDetector, loadDetector } from './detector-catalog.js';
import { driftRates, ledoitWolfCovariance } from './drift-allowance.js';
import { createDriftT2Detector } from './drift-t2.js';
import { CONSTANT_FLOOR, resolutionFloor } from './resolution-floor.js';
import { parseSkabCsv } from './eval/skab-csv.js';
import { leaveOneFileOut } from './eval/skab-lofo.js';

const FEATURES = ['a', 'b'];
const asScore = (r: ScoreResult): Score => {
  assert.ok(!('unusable' in r), `expected a score, got ${JSON.stringify(r)}`);
  return r as Score;
};

/** b = a + small noise: the two move together; each alone is N(0, 1)-ish. */
function correlated(n: number, seed: number): Sample[] {
  const r = createPrng(seed);
  return Array.from({ length: n }, () => {
    const a = r.normal();
    return { group: 0, values: [a, a + 0.1 * r.normal()] };
  });
}

/** Feature a: a random walk (steps N(0, 0.3²)); feature b: white noise N(0, 1), +6 from `shiftAt` on. */
function wandering(n: number, seed: number, shiftAt = Number.POSITIVE_INFINITY): Sample[] {
  const r = createPrng(seed);
  let walk = 0;
  return Array.from({ length: n }, (_, i) => {
    walk += 0.3 * r.normal();
    return { group: 0, values: [walk + 0.1 * r.normal(), r.normal() + (i >= shiftAt ? 6 : 0)] };
  });
}

async function fit(d: Detector, train: Sample[]): Promise<Detector> {
  await d.fit([train], { features: FEATURES });
  return d;
}

const flaggedShare = (d: Detector, warmUp: Sample[], test: Sample[]): number => {
  const sc = d.scorer();
  for (const x of warmUp) sc.score(x);
  return test.filter((x) => asScore(sc.score(x)).isAnomaly).length / test.length;
};

describe('drift-t2', () => {
  it('learns the drift rate: ≈ 0 for white noise, ≈ σ²/2 per step for a random walk', () => {
    const r = createPrng(5);
    const stream = () => {
      let w = 0;
      return Array.from({ length: 400 }, () => [r.normal(), (w += r.normal())]);
    };
    const [noise, walk] = driftRates(Array.from({ length: 40 }, stream), 2);
    assert.ok(noise! < 0.01, `white noise rate ${noise}`);
    assert.ok(walk! > 0.3 && walk! < 0.7, `random-walk rate ${walk} (expected 0.5)`);
  });

  it('resolution floor: q/√12 of the smallest step between values, float noise ignored', () => {
    const r = createPrng(8);
    const halves = Array.from({ length: 300 }, () => 20 + 0.5 * Math.round(4 * r.normal()));
    assert.equal(resolutionFloor(halves), 0.5 / Math.sqrt(12));
    const tenths = resolutionFloor([0.1 + 0.2, 0.3, 0.4]);
    assert.ok(Math.abs(tenths - 0.1 / Math.sqrt(12)) < 1e-12, `0.30000000000000004 and 0.3 are one value (${tenths})`);
    assert.equal(resolutionFloor([25, 25, 25]), 25 * CONSTANT_FLOOR, 'a constant sensor shows no resolution');
    assert.equal(resolutionFloor([]), CONSTANT_FLOOR);
  });

  it('floors each std at its resolution, not at a share of its mean', async () => {
    const r = createPrng(12);
    // a: a thermocouple near 25 °C with 0.005 °C of noise (0.1 % of its mean would be 0.025);
    // b: an on/off reading, 0 but once 1 in the fit rows: its std 0.056 is below its step's 1/√12.
    const rows = (n: number, shift: number) => Array.from({ length: n }, (_, i): Sample => ({ group: 0, values: [25 + 0.005 * r.normal() + (i >= n / 2 ? shift : 0), i === 100 && shift === 0 ? 1 : 0] }));
    const d = await fit(createDriftT2Detector(), rows(400, 0));
    const std = (d.save().params as { std: number[] }).std;
    assert.ok(Math.abs(std[0]! - 0.005) < 0.001, `a keeps its own std (${std[0]})`);
    assert.equal(std[1], 1 / Math.sqrt(12));
    const sc = d.scorer();
    const results = rows(400, 0.03).map((x) => asScore(sc.score(x)));
    const before = results.slice(0, 200).filter((x) => x.isAnomaly).length;
    assert.ok(before < 10, `few alarms before the shift (${before}/200)`);
    const caught = results.slice(260).filter((x) => x.isAnomaly && x.affected[0] === 0).length / 140;
    assert.ok(caught > 0.9, `a 0.03 °C shift (6 of its σ) is caught and blamed on a (${caught})`);
  });

  it('Ledoit–Wolf: a symmetric covariance, shrinkage in [0, 1], more shrinkage with fewer rows', () => {
    const rows = (n: number) => correlated(n, 2).map((s) => s.values as number[]);
    const few = ledoitWolfCovariance(rows(10));
    const many = ledoitWolfCovariance(rows(2000));
    assert.ok(few.shrinkage >= 0 && few.shrinkage <= 1 && many.shrinkage >= 0);
    assert.ok(few.shrinkage > many.shrinkage, `${few.shrinkage} > ${many.shrinkage}`);
    assert.equal(many.covariance[0]![1], many.covariance[1]![0]);
    assert.ok(many.covariance[0]![1]! > 0.9, 'keeps the strong correlation');
  });

  it('catches a correlated shift that univariate z-scores miss', async () => {
    const train = correlated(400, 1);
    const d = await fit(createDriftT2Detector({ window: 1, allowance: 0, margin: 0.1 }), train);
    const z = createDetector('zscore');
    assert.ok(z.ok);
    await z.value.fit([train], { features: FEATURES });
    const broken: Sample = { group: 0, values: [1.2, -1.2] }; // each value inside its normal range, the pair impossible
    assert.equal(asScore(z.value.scorer().score(broken)).isAnomaly, false, 'zscore sees two ordinary values');
    const s = asScore(d.scorer().score(broken));
    assert.equal(s.isAnomaly, true, `drift-t2 score ${s.score} over ${s.threshold}`);
    const far = flaggedShare(d, [], correlated(500, 9));
    assert.ok(far < 0.05, `normal pairs stay normal (${far} flagged)`);
  });

  it('the drift allowance keeps a wandering sensor quieter and still catches a shift on a steady one', async () => {
    let [alarmsWith, alarmsWithout, caught, blamed] = [0, 0, 0, 0];
    const seeds = [3, 4, 5, 6, 7, 8, 9, 10];
    for (const seed of seeds) {
      const stream = wandering(1200, seed, 900);
      const train = stream.slice(0, 400);
      const withAllowance = await fit(createDriftT2Detector(), train);
      alarmsWith += flaggedShare(withAllowance, train, stream.slice(400, 900)) / seeds.length;
      alarmsWithout += flaggedShare(await fit(createDriftT2Detector({ allowance: 0 }), train), train, stream.slice(400, 900)) / seeds.length;
      const sc = withAllowance.scorer();
      const results = stream.map((x) => asScore(sc.score(x))).slice(920);
      caught += results.filter((r) => r.isAnomaly).length / results.length / seeds.length;
      blamed += results.filter((r) => r.affected[0] === 1).length / results.length / seeds.length;
    }
    assert.ok(alarmsWith < 0.6 * alarmsWithout, `false alarms with the allowance ${alarmsWith}, without ${alarmsWithout}`);
    assert.ok(alarmsWithout > 0.3, `without it the walk leaves the training band (${alarmsWithout})`);
    assert.ok(caught > 0.9, `a +6σ shift of the steady sensor is caught (${caught})`);
    assert.ok(blamed > 0.9, `and blamed on it (${blamed})`);
  });

  it('saves and restores to the same scores; refuses corrupt artefacts and unusable samples', async () => {
    const train = wandering(400, 4);
    const d = await fit(createDriftT2Detector(), train);
    const back = loadDetector(JSON.parse(JSON.stringify(d.save())), FEATURES);
    assert.ok(back.ok);
    const [a, b] = [d.scorer(), back.value.scorer()];
    for (const x of wandering(50, 6)) assert.equal(asScore(a.score(x)).score, asScore(b.score(x)).score);
    const bad = { ...d.save(), params: { ...(d.save().params as object), rates: [1] } };
    const r = loadDetector(bad);
    assert.equal(!r.ok && r.error.code, 'DETECTOR_ARTEFACT_CORRUPT');
    const u = d.scorer().score({ group: 0, values: [1, null] });
    assert.equal('unusable' in u && u.code, 'DETECTOR_INPUT_UNUSABLE');
    await assert.rejects(createDriftT2Detector().fit([train.slice(0, 5)], { features: FEATURES }), { code: 'DETECTOR_FIT_FAILED' });
  });

  it('leave-one-file-out chooses on the other files and pools the held-out rows', async () => {
    const file = (seed: number) => {
      const rows = wandering(700, seed, 550);
      const text = ['datetime;a;b;anomaly;changepoint', ...rows.map((x, i) => `t;${x.values[0]};${x.values[1]};${i >= 550 ? 1 : 0};0`)].join('\n');
      const f = parseSkabCsv(`${seed}.csv`, text);
      assert.ok(f.ok);
      return f.value;
    };
    const files = [file(11), file(12), file(13)];
    const res = await leaveOneFileOut(files, [
      { label: 'deaf', create: () => createDriftT2Detector({ margin: 1e6 }) },
      { label: 'default', create: () => createDriftT2Detector() },
    ]);
    assert.deepEqual(res.chosen.map((c) => c.label), ['default', 'default', 'default']);
    assert.equal(res.lofo.tp + res.lofo.fp + res.lofo.tn + res.lofo.fn, 3 * 300);
    assert.equal(res.all[0]!.summary.recall, 0, 'the deaf configuration flags nothing');
    assert.ok(res.lofo.f1 > 0.9, `lofo F1 ${res.lofo.f1}`);
  });
});
