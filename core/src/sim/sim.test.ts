import assert from 'node:assert/strict';
import { TYPICAL_MODEL } from '../phase-model/typical-model.js';
import { ANOMALY_RATES, IMPLEMENTED_ANOMALY_KINDS, createAnomalyInjector } from './anomaly.js';
import { VISIBLE_GAP } from './anomaly-kinds.js';
import type { AnomalyKind } from './anomaly.js';
import { createPrng, deriveSeed } from './prng.js';
import { READING_MODEL } from './reading-generator.js';
import { startRealTime } from './real-time.js';
import { CYCLE_MS, createSampleSource } from './sample-source.js';
import type { CycleSample, ReadingSample, SimSample } from './sample-source.js';

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0); // on the 30 s grid
const f32 = (x: number) => Math.fround(x); // what the wire carries
const cycles = (seed: number, index: number, temperature: number, n: number) => {
  const src = createSampleSource({ seed, index, stream: 'cycle', temperature });
  return Array.from({ length: n }, (_, k) => src.next(T0 + k * CYCLE_MS) as CycleSample);
};
const inRange = (v: number, [min, max]: readonly [number, number]) => f32(v) >= min && f32(v) <= max;

describe('simulator: seeded values and anomalies', () => {
  it('the PRNG is reproducible, uniform-looking, and per-device seeds differ', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    assert.notDeepEqual(createPrng(43).next(), createPrng(42).next());
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(7, i, 0)));
    assert.equal(seeds.size, 1000);
    assert.notEqual(deriveSeed(7, 1, 0), deriveSeed(7, 0, 1));
  });

  it('same seed → identical values and anomaly labels; another seed → different ones', () => {
    const one = cycles(1234, 2, 0.6, 200);
    const two = cycles(1234, 2, 0.6, 200);
    assert.deepEqual(two, one);
    assert.ok(one.some((c) => c.anomalies.length > 0), 'the comparison covers anomalies too');
    assert.notDeepEqual(cycles(1235, 2, 0.6, 50).map((c) => c.phases), one.slice(0, 50).map((c) => c.phases));
    assert.notDeepEqual(cycles(1234, 3, 0.6, 50).map((c) => c.phases), one.slice(0, 50).map((c) => c.phases), 'each PLC has its own stream');
    const r1 = createSampleSource({ seed: 9, index: 0, stream: 'reading', temperature: 0.5 });
    const r2 = createSampleSource({ seed: 9, index: 0, stream: 'reading', temperature: 0.5 });
    for (let k = 0; k < 300; k++) assert.deepEqual(r1.next(T0 + k * 1000), r2.next(T0 + k * 1000));
  });

  it('at temperature 0 every value lies inside its phase range (s5 reversed bounds normalised) and nothing is labelled', () => {
    const cs = cycles(77, 0, 0, 2000);
    for (const c of cs) {
      assert.deepEqual(c.anomalies, []);
      assert.equal(c.phases.length, 5);
      c.phases.forEach((row, p) => {
        assert.equal(row.length, 5);
        row.forEach((v, s) => assert.ok(inRange(v, TYPICAL_MODEL[s]![p]!), `s${s + 1} phase ${p + 1}: ${v}`));
      });
    }
    // s5 in phases 4 and 5 ("3-2", "1-0" in the specification) really spans those values
    const s5p4 = cs.map((c) => c.phases[3]![4]!);
    assert.ok(Math.min(...s5p4) < 2.2 && Math.max(...s5p4) > 2.8);
    assert.equal(cs[1]!.cycleStart - cs[0]!.cycleStart, CYCLE_MS);
    assert.equal(cs[0]!.cycle, T0 / CYCLE_MS);
  });

  it('normal cycles are smooth-ish: consecutive cycles are closer than independent ones', () => {
    const cs = cycles(5, 0, 0, 500);
    const dist = (a: number[][], b: number[][]) => a.flat().reduce((s, v, i) => s + Math.abs(v - b.flat()[i]!), 0);
    let near = 0;
    let far = 0;
    for (let i = 1; i < 250; i++) {
      near += dist(cs[i]!.phases, cs[i - 1]!.phases);
      far += dist(cs[i]!.phases, cs[i + 249]!.phases);
    }
    assert.ok(near < 0.85 * far, `near ${near} vs far ${far}`);
  });

  it('readings stay inside their normal ranges at temperature 0', () => {
    const src = createSampleSource({ seed: 3, index: 1, stream: 'reading', temperature: 0 });
    for (let k = 0; k < 5000; k++) {
      const r = src.next(T0 + k * 1000) as ReadingSample;
      assert.deepEqual(r.anomalies, []);
      assert.ok(inRange(r.temperature, READING_MODEL[0]![0]!) && inRange(r.pressure, READING_MODEL[1]![0]!) && inRange(r.humidity, READING_MODEL[2]![0]!), JSON.stringify(r));
    }
  });

  it('anomaly episodes start at the expected rate for a temperature, and none at 0', () => {
    const N = 20_000;
    for (const t of [0, 0.25, 1]) {
      const inj = createAnomalyInjector({ temperature: t, random: createPrng(deriveSeed(11, Math.round(t * 100))), model: TYPICAL_MODEL });
      const starts: Record<string, number> = {};
      let labelled = 0;
      let idle = 0; // samples with no episode running: the only ones where one may start
      for (let i = 0; i < N; i++) {
        const draft = { values: Array.from({ length: 5 }, (_, p) => TYPICAL_MODEL.map((ranges) => ranges[p]![0])) };
        const labels = inj.inject(draft);
        assert.ok(labels.length <= 1, 'one episode at a time');
        if (labels.length) labelled++;
        if (labels.length === 0 || labels[0]!.step === 0) idle++;
        for (const l of labels) if (l.step === 0) starts[l.kind] = (starts[l.kind] ?? 0) + 1;
      }
      for (const kind of IMPLEMENTED_ANOMALY_KINDS) {
        const p = (ANOMALY_RATES[kind] ?? 0) * t;
        assert.equal(inj.startProbability(kind), p);
        const expected = idle * p;
        const tolerance = 5 * Math.sqrt(idle * p * (1 - p)) + 1;
        const got = starts[kind] ?? 0;
        assert.ok(Math.abs(got - expected) <= tolerance, `t=${t} ${kind}: ${got} episodes, expected ${expected} ± ${tolerance.toFixed(0)}`);
      }
      if (t === 0) assert.equal(labelled, 0);
      else assert.ok(labelled > 0);
    }
  });

  it('anomalies are what their labels say, and stronger at a higher temperature', () => {
    const cs = cycles(2024, 0, 0.8, 3000);
    const base = cycles(2024, 0, 0, 3000); // same base values: anomalies draw from their own stream
    const seen = new Set<AnomalyKind>();
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i]!;
      assert.ok(c.anomalies.length <= 1, 'one episode at a time');
      const l = c.anomalies[0];
      if (l) seen.add(l.kind);
      const s = l?.sensor ?? -1;
      if (l?.kind === 'spike') assert.ok(!inRange(c.phases[l.phase!]![s]!, TYPICAL_MODEL[s]![l.phase!]!), 'a spike leaves its range');
      // every value a drift, noise burst or stuck start labels lies VISIBLE_GAP widths or more outside its range
      const outside = (p: number) => {
        const [min, max] = TYPICAL_MODEL[s]![p]!;
        const gap = VISIBLE_GAP * (max - min);
        return c.phases[p]![s]! < min - gap || c.phases[p]![s]! > max + gap;
      };
      if (l?.kind === 'stuck') {
        const first = l.step === 0 ? l.phase! : 0;
        const held = first > 0 ? c.phases[first - 1]![s]! : cs[i - 1]!.phases[4]![s]!; // the reading just before
        assert.ok(c.phases.slice(first).every((row) => row[s] === held), 'a stuck sensor repeats the reading before it');
        c.phases.slice(0, first).forEach((row, p) => assert.equal(row[s], base[i]!.phases[p]![s], 'phases before the freeze are normal'));
        if (l.step === 0) assert.ok(outside(first), 'the first frozen value leaves its phase range');
      }
      if (l?.kind === 'drift') {
        const shift = c.phases.map((row, p) => row[s]! - base[i]!.phases[p]![s]!);
        assert.ok(shift.every((d) => Math.abs(d) > 0 && Math.sign(d) === Math.sign(shift[0]!)), 'a drift shifts every phase one way');
        assert.ok(c.phases.every((_, p) => outside(p)), 'every drifted value leaves its range');
      }
      if (l?.kind === 'noise-burst') {
        assert.ok(c.phases.every((_, p) => outside(p)), 'every noisy value leaves its range');
        const up = c.phases.map((row, p) => row[s]! > base[i]!.phases[p]![s]!);
        assert.ok(up.every((u, p) => p === 0 || u !== up[p - 1]), 'noise alternates sides');
      }
      assert.equal(c.silent === true, l?.kind === 'silent', 'only a silent label silences');
      // where the cycle's phases came from: swapped slots for phase-out-of-order, else in order
      const [a, b] = l?.kind === 'phase-out-of-order' ? (l.phases as [number, number]) : [-1, -1];
      if (l?.kind === 'phase-out-of-order') assert.ok(a >= 0 && b > a && b < 5);
      const from = (slot: number) => (slot === a ? b : slot === b ? a : slot);
      c.phases.forEach((row, slot) => row.forEach((v, sn) => {
        if (sn !== s) assert.equal(v, base[i]!.phases[from(slot)]![sn], 'sensors without a label keep their normal value');
      }));
    }
    assert.deepEqual([...seen].sort(), ['drift', 'noise-burst', 'phase-out-of-order', 'silent', 'spike', 'stuck'], 'every kind a CYCLE frame can carry');
    const meanSpike = (t: number) => {
      const ls = cycles(99, 0, t, 8000).flatMap((c) => c.anomalies.filter((l) => l.kind === 'spike'));
      return ls.reduce((s, l) => s + l.magnitude, 0) / ls.length;
    };
    assert.ok(meanSpike(0.9) > 2 * meanSpike(0.1));
  });

  it('a stuck reading repeats the reading sent before it, so even its first one is a visible repeat', () => {
    const src = createSampleSource({ seed: 4, index: 0, stream: 'reading', temperature: 1, kinds: ['stuck'] });
    const rs = Array.from({ length: 3000 }, (_, k) => src.next(T0 + k * 1000) as ReadingSample);
    const at = (r: ReadingSample, s: number) => [r.temperature, r.pressure, r.humidity][s]!;
    let starts = 0;
    rs.forEach((r, k) => {
      const l = r.anomalies[0];
      if (!l || k === 0) return;
      if (l.step === 0) starts++;
      assert.equal(at(r, l.sensor!), at(rs[k - 1]!, l.sensor!), `reading ${k}`);
    });
    assert.ok(starts >= 5, `${starts} stuck episodes`);
  });

  it('refuses a temperature outside 0..1 and unknown kinds', () => {
    assert.throws(() => createAnomalyInjector({ temperature: 1.5, random: createPrng(1), model: TYPICAL_MODEL }), /outside 0\.\.1/);
    assert.throws(() => createAnomalyInjector({ temperature: 0.5, random: createPrng(1), model: TYPICAL_MODEL, kinds: ['meteor' as AnomalyKind] }), /anomaly kind meteor is unknown/);
  });
});

describe('simulator: real-time scheduler', () => {
  /** A wall clock and timers that the test moves by hand. */
  function fakeTime(start: number) {
    let t = start;
    const pending: Array<{ at: number; fn: () => void; id: number }> = [];
    let ids = 0;
    return {
      now: () => t,
      timers: {
        setTimeout: (fn: () => void, ms: number) => {
          const id = ++ids;
          pending.push({ at: t + ms, fn, id });
          return id;
        },
        clearTimeout: (id: unknown) => {
          const i = pending.findIndex((p) => p.id === id);
          if (i >= 0) pending.splice(i, 1);
        },
      },
      /** Moves the clock to `to`, running due timers (and the promises they start) in order. */
      async advance(to: number) {
        for (;;) {
          await new Promise((r) => setImmediate(r));
          pending.sort((a, b) => a.at - b.at);
          const next = pending[0];
          if (!next || next.at > to) break;
          pending.shift();
          t = Math.max(t, next.at);
          next.fn();
        }
        t = to;
        await new Promise((r) => setImmediate(r));
      },
    };
  }

  it('sends each PLC a cycle every 30 s / speed, on the 30 s grid, starting with the last completed cycle', async () => {
    const wall = 1_000_000;
    const clock = fakeTime(wall);
    const got: Array<{ device: number; at: number; s: SimSample }> = [];
    const run = startRealTime({
      devices: 3, stream: 'cycle', temperature: 0.1, speed: 10, seed: 1, startTime: T0 + 12_345,
      now: clock.now, timers: clock.timers, emit: (device, s) => void got.push({ device, at: clock.now(), s }),
    });
    await clock.advance(wall);
    assert.deepEqual(got.map((g) => [g.device, (g.s as CycleSample).cycleStart]), [[0, T0 - CYCLE_MS], [1, T0 - CYCLE_MS], [2, T0 - CYCLE_MS]]);
    // the next cycle (T0 .. T0+30 s) ends 30 000 - 12 345 simulated ms later: 1765.5 wall ms at speed 10
    await clock.advance(wall + 1765);
    assert.equal(got.length, 3);
    await clock.advance(wall + 1766);
    assert.equal(got.length, 6);
    assert.equal((got[3]!.s as CycleSample).cycleStart, T0);
    await clock.advance(wall + 1766 + 3000 * 3);
    assert.equal(got.length, 15);
    assert.deepEqual([...new Set(got.map((g) => (g.s as CycleSample).cycleStart))].map((x) => (x - T0) / CYCLE_MS), [-1, 0, 1, 2, 3]);
    assert.equal(run.slots, 5);
    assert.equal(Math.round(run.simTime()), T0 + 12_345 + (1766 + 9000) * 10);
    await run.stop();
  });

  it('stops after `cycles` samples per device, readings on the 1 s grid', async () => {
    const clock = fakeTime(0);
    const got: ReadingSample[] = [];
    const run = startRealTime({
      devices: 2, stream: 'reading', temperature: 0, speed: 1, seed: 1, cycles: 4, startTime: T0 + 500,
      now: clock.now, timers: clock.timers, emit: (_d, s) => void got.push(s as ReadingSample),
    });
    let finished = false;
    void run.done.then(() => (finished = true));
    await clock.advance(10_000);
    assert.equal(finished, true);
    assert.deepEqual(got.map((r) => r.ts - T0), [0, 0, 1000, 1000, 2000, 2000, 3000, 3000]);
    assert.equal(run.slots, 4);
  });

  it('waits for slow emits and never skips a slot', async () => {
    const seen: number[] = [];
    const run = startRealTime({
      devices: 1, stream: 'cycle', temperature: 0, speed: 10_000, seed: 1, cycles: 20, startTime: T0,
      emit: async (_d, s) => {
        await new Promise((r) => setTimeout(r, 2));
        seen.push((s as CycleSample).cycle);
      },
    });
    await run.done;
    assert.deepEqual(seen, Array.from({ length: 20 }, (_, k) => T0 / CYCLE_MS - 1 + k));
  });

  it('refuses a speed ≤ 0 and a device count below 1', () => {
    const emit = () => {};
    assert.throws(() => startRealTime({ devices: 1, stream: 'cycle', temperature: 0, speed: 0, seed: 1, emit }), /speed 0 must be a number > 0/);
    assert.throws(() => startRealTime({ devices: 0, stream: 'cycle', temperature: 0, speed: 1, seed: 1, emit }), /devices 0/);
  });
});
