import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { parsePhaseModel } from '../phase-model/parse-phase-model.js';
import { TYPICAL_MODEL } from '../phase-model/typical-model.js';
import { ALL_ANOMALY_KINDS } from './anomaly.js';
import type { AnomalyKind, AnomalyLabel } from './anomaly.js';
import { CSV_HEADER } from './historical-format.js';
import { generateHistoricalRows } from './historical-generator.js';
import { listHistoricalFiles, readHistoricalRows } from './historical-reader.js';
import type { HistoricalRow } from './historical-row.js';
import { writeHistoricalDataset } from './historical-writer.js';
import { VISIBLE_GAP } from './anomaly-kinds.js';

const DAY = 24 * 3600 * 1000;
const FROM = Date.UTC(2026, 0, 1);
const key = (r: { plc: number; cycle: number; phase: number }) => `${r.plc}/${r.cycle}/${r.phase}`;
const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('historical data set: generation, files, labels', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-hist-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('same seed → the same files byte for byte (sha256); another seed → different ones', async () => {
    const opts = { plcs: 3, from: FROM + DAY - 3600_000, to: FROM + DAY + 3600_000, temperature: 0.4, seed: 99, csv: true };
    const hashes = async (out: string) => {
      await writeHistoricalDataset({ ...opts, out });
      const names = (await readdir(out)).sort();
      return Object.fromEntries(await Promise.all(names.map(async (n) => [n, createHash('sha256').update(await readFile(join(out, n))).digest('hex')] as const)));
    };
    const a = await hashes(join(dir, 'det-a'));
    const b = await hashes(join(dir, 'det-b'));
    assert.deepEqual(Object.keys(a), ['modelo_tipico.json', 'serie_temporal_2026-01-01.csv', 'serie_temporal_2026-01-01.json', 'serie_temporal_2026-01-02.csv', 'serie_temporal_2026-01-02.json']);
    assert.deepEqual(b, a);
    await writeHistoricalDataset({ ...opts, seed: 100, out: join(dir, 'det-c') });
    const c = createHash('sha256').update(await readFile(join(dir, 'det-c', 'serie_temporal_2026-01-01.json'))).digest('hex');
    assert.notEqual(c, a['serie_temporal_2026-01-01.json']);
  });

  it('files: one JSON row per line, by timestamp then PLC, per UTC day; each PLC uninterrupted; the reader gives back the rows, JSON and CSV alike', async () => {
    const opts = { plcs: 4, from: FROM + DAY - 1800_000, to: FROM + DAY + 1800_000, temperature: 0.8, seed: 5 };
    const out = join(dir, 'format');
    const summary = await writeHistoricalDataset({ ...opts, out, csv: true });
    const generated = [...generateHistoricalRows(opts)];
    assert.equal(summary.rows, generated.length);
    const text = await readFile(join(out, 'serie_temporal_2026-01-01.json'), 'utf8');
    const lines = text.split('\n');
    assert.equal(lines[0], '[');
    assert.deepEqual(lines.slice(-2), [']', '']);
    for (const l of lines.slice(1, -2)) assert.match(l, /^\{"plc":\d+,"cycle":\d+,"phase":[1-5],"timestamp":"[^"]+","duration_s":[\d.]+,"s1":.*\},?$/);
    assert.equal((await readFile(join(out, 'serie_temporal_2026-01-01.csv'), 'utf8')).split('\n')[0], CSV_HEADER);

    const files = await listHistoricalFiles(out);
    assert.deepEqual(files.map((f) => f.slice(out.length + 1)), ['serie_temporal_2026-01-01.json', 'serie_temporal_2026-01-02.json']);
    const read: HistoricalRow[] = [];
    for (const f of files) read.push(...(await collect(readHistoricalRows(f))));
    assert.deepEqual(read, generated);
    const csvRead: HistoricalRow[] = [];
    for (const f of await listHistoricalFiles(out, 'csv')) csvRead.push(...(await collect(readHistoricalRows(f))));
    assert.deepEqual(csvRead, generated);

    for (const f of files) {
      const day = f.slice(-15, -5);
      for await (const r of readHistoricalRows(f)) assert.equal(r.timestamp.slice(0, 10), day, 'a row lives in the file of its UTC day');
    }
    const ts = (r: HistoricalRow) => Date.parse(r.timestamp);
    for (let i = 1; i < generated.length; i++) {
      const [p, r] = [generated[i - 1]!, generated[i]!];
      assert.ok(ts(p) < ts(r) || (ts(p) === ts(r) && p.plc < r.plc), `row ${i} out of order`);
    }
    for (let plc = 1; plc <= opts.plcs; plc++) {
      const mine = generated.filter((r) => r.plc === plc);
      assert.equal(ts(mine[0]!), opts.from);
      const last = mine.at(-1)!;
      assert.ok(ts(last) + last.duration_s * 1000 <= opts.to, 'whole cycles inside the range');
      for (let i = 1; i < mine.length; i++) {
        assert.equal(ts(mine[i]!), ts(mine[i - 1]!) + Math.round(mine[i - 1]!.duration_s * 1000), 'each phase starts when the last ended');
        assert.equal(mine[i]!.cycle, Math.floor(i / 5));
      }
    }
    assert.ok(generated.some((r) => r.anomaly_type === 'phase-too-long'), 'the range has a long phase, so the continuity check covers one');
  });

  it('labels match what was injected: every episode\'s rows carry its kind and sensor, no other row is labelled or changed, every labelled row is observably abnormal; ten PLCs over a day at 0.3 hold every kind', async () => {
    const opts = { plcs: 10, from: FROM, to: FROM + DAY, temperature: 0.3, seed: 2024 };
    const injected = new Map<string, AnomalyLabel>(); // plc/cycle → the cycle's label
    const orders = new Map<string, number[]>();
    const rows = [
      ...generateHistoricalRows({
        ...opts,
        observe: (plc, cycle, labels, draft) => {
          assert.ok(labels.length <= 1);
          if (labels[0]) injected.set(`${plc}/${cycle}`, labels[0]);
          if (draft.order) orders.set(`${plc}/${cycle}`, [...draft.order]);
        },
      }),
    ];
    const normal = new Map([...generateHistoricalRows({ ...opts, temperature: 0 })].map((r) => [key(r), r]));
    const episodes: Partial<Record<AnomalyKind, Set<string>>> = {};
    const previous = new Map<number, HistoricalRow>(); // plc → its row before this one
    for (const r of rows) {
      const prev = previous.get(r.plc);
      previous.set(r.plc, r);
      const l = injected.get(`${r.plc}/${r.cycle}`);
      const order = orders.get(`${r.plc}/${r.cycle}`); // order[slot] = phase that ran there
      const slotOf = order ? order.indexOf(r.phase - 1) : r.phase - 1;
      const expected = (() => {
        if (!l) return false;
        if (l.kind === 'spike' || l.kind === 'phase-too-long') return l.phase === r.phase - 1;
        if (l.kind === 'phase-out-of-order') return slotOf !== r.phase - 1;
        if (l.kind === 'stuck') return l.step > 0 || r.phase - 1 >= l.phase!; // frozen from l.phase of its first cycle on
        return true;
      })();
      const what = `${key(r)} ${l?.kind ?? 'normal'}`;
      assert.equal(r.anomaly, expected ? 1 : 0, what);
      assert.equal(r.anomaly_type, expected ? l!.kind : null, what);
      assert.deepEqual(r.anomaly_sensors, expected && l!.sensor !== undefined ? [`s${l!.sensor + 1}`] : [], what);
      if (expected) (episodes[l!.kind] ??= new Set()).add(`${r.plc}/${l!.episode}`);
      const base = normal.get(key(r));
      if (!r.anomaly) {
        if (base) assert.deepEqual([r.s1, r.s2, r.s3, r.s4, r.s5, r.duration_s], [base.s1, base.s2, base.s3, base.s4, base.s5, 6], `unlabelled ${what} is untouched`);
        continue;
      }
      const values = [r.s1, r.s2, r.s3, r.s4, r.s5];
      const s = l!.sensor ?? -1;
      if (r.anomaly_type === 'silent') assert.deepEqual(values, [null, null, null, null, null]);
      else assert.ok(values.every((v) => typeof v === 'number'));
      // Observable: a value kind's row has its sensor VISIBLE_GAP widths outside the range, or (stuck, after its first row) repeats the row before
      const [min, max] = s >= 0 ? TYPICAL_MODEL[s]![r.phase - 1]! : [0, 0];
      const outside = values[s]! < min - VISIBLE_GAP * (max - min) || values[s]! > max + VISIBLE_GAP * (max - min);
      const repeats = prev !== undefined && prev.anomaly_type === 'stuck' && values[s] === [prev.s1, prev.s2, prev.s3, prev.s4, prev.s5][s];
      if (r.anomaly_type === 'spike' || r.anomaly_type === 'drift' || r.anomaly_type === 'noise-burst') assert.ok(outside, `${what}: s${s + 1} ${values[s]} is not outside [${min}, ${max}]`);
      if (r.anomaly_type === 'stuck') assert.ok(prev?.anomaly_type === 'stuck' ? repeats : outside, `${what}: the first stuck row leaves its range, later ones repeat`);
      if (r.anomaly_type === 'phase-too-long') assert.ok(r.duration_s > 6, what);
      else assert.equal(r.duration_s, 6, what);
      if (base && ['drift', 'stuck', 'noise-burst', 'spike'].includes(r.anomaly_type!)) {
        const before = [base.s1, base.s2, base.s3, base.s4, base.s5];
        values.forEach((v, sn) => sn !== s && assert.equal(v, before[sn], `${what}: only s${s + 1} changes`));
      }
    }
    const injectedEpisodes = new Set([...injected.entries()].map(([k, l]) => `${k.split('/')[0]}/${l.episode}`));
    const labelledEpisodes = new Set(Object.values(episodes).flatMap((s) => [...s]));
    assert.deepEqual(labelledEpisodes, injectedEpisodes, 'every injected episode shows in the rows');
    const counts = Object.fromEntries(ALL_ANOMALY_KINDS.map((k) => [k, episodes[k]?.size ?? 0]));
    for (const k of ALL_ANOMALY_KINDS) assert.ok(counts[k]! >= 5, `${k}: ${counts[k]} episodes in a day of 10 PLCs at 0.3 (${JSON.stringify(counts)})`);
  });

  it('a plant model changes the ranges the rows follow', () => {
    const text = JSON.stringify({ sensors: Object.fromEntries(TYPICAL_MODEL.map((r, s) => [`s${s + 1}`, r.map(() => [100 + s, 101 + s])])) });
    const model = parsePhaseModel(text, 'plant.json');
    assert.ok(model.ok);
    for (const r of generateHistoricalRows({ plcs: 2, from: FROM, to: FROM + 3600_000, temperature: 0, seed: 1, model: model.value })) {
      [r.s1, r.s2, r.s3, r.s4, r.s5].forEach((v, s) => assert.ok(v! >= 100 + s && v! <= 101 + s));
    }
  });

  it('refuses bad options naming them, and a folder that already holds a data set', async () => {
    const ok = { plcs: 1, from: FROM, to: FROM + DAY, temperature: 0.1, seed: 1 };
    const refuses = (o: object, re: RegExp) => assert.throws(() => [...generateHistoricalRows({ ...ok, ...o })], (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && re.test(e.message));
    refuses({ to: FROM }, /^to 2026-01-01T00:00:00\.000Z is not after from/);
    refuses({ from: NaN }, /^from is not a valid time/);
    refuses({ plcs: 0 }, /^plcs 0/);
    refuses({ temperature: 2 }, /^temperature 2/);
    refuses({ seed: -1 }, /^seed -1/);
    const out = join(dir, 'twice');
    await writeHistoricalDataset({ ...ok, to: FROM + 60_000, out });
    await assert.rejects(writeHistoricalDataset({ ...ok, to: FROM + 60_000, out }), /already holds 1 serie_temporal_\* files/);
  });

  it('the reader names the file, line and field of a bad row, and a truncated file', async () => {
    const good = '{"plc":1,"cycle":0,"phase":1,"timestamp":"2026-01-01T00:00:00.000Z","duration_s":6,"s1":1,"s2":1,"s3":1,"s4":1,"s5":null,"anomaly":0,"anomaly_type":null,"anomaly_sensors":[]}';
    const cases: Array<[string, RegExp]> = [
      [`[\n${good},\n${good.replace('"phase":1', '"phase":6')}\n]\n`, /^bad\.json:3: phase 6 is not an integer in 1\.\.5$/],
      [`[\n${good.replace('"s3":1', '"s3":"x"')}\n]\n`, /^bad\.json:2: s3 "x" is not a number or null$/],
      [`[\n${good.replace('"anomaly":0', '"anomaly":1')}\n]\n`, /^bad\.json:2: anomaly 1 disagrees with anomaly_type null$/],
      [`[\n${good.replace('"anomaly_type":null', '"anomaly_type":"meteor"')}\n]\n`, /^bad\.json:2: anomaly_type "meteor" is not null or one of/],
      [`[\n${good.replace('"2026-01-01T00:00:00.000Z"', '"yesterday"')}\n]\n`, /^bad\.json:2: timestamp "yesterday"/],
      [`[\n${good},\n`, /^bad\.json:2: the file ends before its closing "\]"/],
      [`${good}\n`, /^bad\.json:1: a data set file starts with a line "\["/],
      [`[\n{"plc":1,\n]\n`, /^bad\.json:2: not one JSON row object per line$/],
    ];
    for (const [text, re] of cases) {
      await writeFile(join(dir, 'bad.json'), text);
      await assert.rejects(collect(readHistoricalRows(join(dir, 'bad.json'))), (e: unknown) => e instanceof StartupError && e.code === 'DATASET_INVALID' && re.test(e.message), text);
    }
    await writeFile(join(dir, 'bad.csv'), `${CSV_HEADER}\n1,0,1,2026-01-01T00:00:00.000Z,6,1,1,1,1,,0,,\n1,0,9,2026-01-01T00:00:06.000Z,6,1,1,1,1,1,0,,\n`);
    await assert.rejects(collect(readHistoricalRows(join(dir, 'bad.csv'))), (e: unknown) => e instanceof StartupError && e.message === 'bad.csv:3: phase 9 is not an integer in 1..5');
  });
});
