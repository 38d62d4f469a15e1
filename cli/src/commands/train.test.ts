import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, generateHistoricalRows, writeHistoricalDataset, type TestDatabase } from '@typedcluster/core';
import { createModelRegistry, loadDetector, useTfBackend } from '@typedcluster/detectors';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';
import type { ProgressOutput } from '../sim/progress-bar.js';
import { runTrain } from '../train/run-train.js';

const FROM = Date.parse('2026-03-01T00:00:00Z');
const HOURS = 3;

describe('typedcluster train: flags', () => {
  const bad: Array<[string[], RegExp]> = [
    [['--from-dir', 'x'], /^error: --detector is required/],
    [['--detector', 'nope', '--from-dir', 'x'], /^error: --detector: no detector "nope"; known: .*zscore/],
    [['--detector', 'zscore'], /^error: give exactly one of --from-dir DIR .* or --from-db/],
    [['--detector', 'zscore', '--from-dir', 'x', '--from-db'], /^error: give exactly one of --from-dir/],
    [['--detector', 'zscore', '--from-dir', 'x', '--plcs', '1'], /^error: --plcs applies to --from-db only/],
    [['--detector', 'zscore', '--from-db', '--plcs', '1,0'], /^error: --plcs 1,0 is not a comma-separated list of PLC ids in 1\.\.32767/],
    [['--detector', 'zscore', '--from-db', '--from', '2026-02-30'], /^error: --from 2026-02-30 is not a date/],
    [['--detector', 'zscore', '--from-db', '--to', 'tomorrow'], /^error: --to tomorrow is not a date/],
    [['--detector', 'zscore', '--from-db', '--from', '2026-01-02', '--to', '2026-01-01'], /^error: --to 2026-01-01 is not after --from 2026-01-02/],
    [['--detector', 'zscore', '--from-db', '--seed=-1'], /^error: --seed -1 is not an integer/],
    [['--detector', 'zscore', '--from-db', '--epochs', '5'], /^error: --epochs applies to dense-autoencoder and lstm-autoencoder only, not zscore/],
    [['--detector', 'dense-autoencoder', '--from-db', '--epochs', '0'], /^error: --epochs 0 is not an integer in 1\.\.10000/],
  ];
  for (const [args, expected] of bad) {
    it(`refuses ${args.join(' ')} with one line naming the flag, exit 2`, async () => {
      // No database is opened before the flags are checked: TYPEDCLUSTER_HOME is never created.
      const io = recordingIo({ TYPEDCLUSTER_HOME: join(tmpdir(), 'tc-train-never-created') }, tmpdir());
      assert.equal(await runCli(['train', ...args], io), 2);
      assert.equal(io.errLines.length, 1, io.errLines.join('\n'));
      assert.match(io.errLines[0]!, expected);
      assert.deepEqual(io.outLines, []);
    });
  }

  it('refuses an unknown option', async () => {
    const io = recordingIo({}, tmpdir());
    assert.equal(await runCli(['train', '--detector', 'zscore', '--from-db', '--plc', '3'], io), 2);
    assert.match(io.errLines[0]!, /Unknown option '--plc'/);
  });

  it('--help lists the flags with examples', async () => {
    const io = recordingIo({}, tmpdir());
    assert.equal(await runCli(['train', '--help'], io), 0);
    const text = io.outLines.join('\n');
    for (const f of ['--detector', '--from-dir', '--from-db', '--plcs', '--activate', '--epochs', 'Examples:']) assert.ok(text.includes(f), f);
  });
});

describe('typedcluster train @integration', function () {
  this.timeout(180_000);
  let t: TestDatabase;
  let home: string;
  let data: string;
  before(async () => {
    t = await createTestDatabase('cli_train');
    home = await mkdtemp(join(tmpdir(), 'tc-train-'));
    data = join(home, 'data');
    // 2 PLCs × 3 hours with anomalies, so "normal rows only" is exercised.
    await writeHistoricalDataset({ plcs: 2, from: FROM, to: FROM + HOURS * 3_600_000, temperature: 0.5, seed: 7, out: data });
  });
  after(async () => {
    await t?.drop();
    await rm(home, { recursive: true, force: true });
  });
  const io = () => recordingIo({ TYPEDCLUSTER_HOME: home, DATABASE_URL: t.url }, home);
  const lines = (): ProgressOutput & { readonly seen: string[] } => {
    const seen: string[] = [];
    return { seen, tty: false, write: (s) => seen.push(s), line: (s) => seen.push(s) };
  };
  const json = (out: string[]) => JSON.parse(out.at(-1)!) as Record<string, unknown>;

  it('trains zscore from a data set folder on normal rows only, per PLC, and saves it inactive', async () => {
    const out = io();
    const progress = lines();
    assert.equal(await runTrain({ detector: 'zscore', 'from-dir': 'data' }, out, progress), 0, out.errLines.join('\n'));
    const all = [...generateHistoricalRows({ plcs: 2, from: FROM, to: FROM + HOURS * 3_600_000, temperature: 0.5, seed: 7 })];
    const normal = all.filter((r) => r.anomaly === 0).length;
    assert.ok(normal < all.length, 'the data set has anomalies to leave out');
    const j = json(out.outLines);
    assert.deepEqual([j.detector, j.version, j.active, j.rows_read, j.rows_excluded, j.plcs], ['zscore', 1, false, all.length, all.length - normal, [1, 2]]);
    assert.equal(j.rows_normal, normal);
    // 20 % of each stream's tail calibrates the threshold; the rest fits.
    assert.ok((j.samples as number) > 0.75 * normal && (j.samples as number) < normal, String(j.samples));
    assert.ok(typeof j.threshold === 'number' && j.threshold > 0);
    assert.match(out.outLines.at(-2)!, /activate it with "typedcluster models activate zscore 1"/);
    assert.ok(progress.seen.some((l) => /^train: reading \[#+\] 100% .*rows read/.test(l)), progress.seen.join('\n'));
    assert.ok(progress.seen.some((l) => /^train zscore \[#+\] 100%/.test(l)), progress.seen.join('\n'));

    const stored = await createModelRegistry(t.db).load('zscore', 1);
    assert.ok(stored.ok);
    assert.equal(stored.value.metrics['rows_normal'], normal);
    assert.equal(stored.value.trainedOn['source'], 'dir');
    assert.deepEqual(stored.value.trainedOn['plcs'], [1, 2]);
    assert.ok(loadDetector(stored.value.artefact, ['s1', 's2', 's3', 's4', 's5']).ok);

    const list = io();
    assert.equal(await runCli(['models', 'list'], list), 0);
    assert.match(list.outLines[1] ?? '', /^zscore\s+1\s+\S+.*samples=/);
  });

  it('trains the dense autoencoder with --epochs and --activate: registry and models list show it active, with its backend', async () => {
    const out = io();
    const progress = lines();
    assert.equal(await runTrain({ detector: 'dense-autoencoder', 'from-dir': 'data', epochs: '2', activate: true, seed: '3' }, out, progress), 0, out.errLines.join('\n'));
    const j = json(out.outLines);
    const backend = await useTfBackend();
    assert.deepEqual([j.detector, j.version, j.active, j.backend], ['dense-autoencoder', 1, true, backend.name]);
    assert.equal((j.metrics as Record<string, number>).epochs, 2);
    assert.ok(progress.seen.some((l) => /epoch \d\/2 loss [\d.]+ val [\d.]+/.test(l)), progress.seen.join('\n'));
    assert.deepEqual(await createModelRegistry(t.db).activeVersion('dense-autoencoder'), { ok: true, value: { algorithm: 'dense-autoencoder', version: 1 } });
    const list = io();
    assert.equal(await runCli(['models', 'list', '--detector', 'dense-autoencoder'], list), 0);
    assert.match(list.outLines[1] ?? '', /^dense-autoencoder\s+1\s+yes\s/);
  });

  it('trains from the database: the chosen PLCs and range, less the cycles detect-anomaly reported', async () => {
    const rows = [...generateHistoricalRows({ plcs: 3, from: FROM, to: FROM + 3_600_000, temperature: 0, seed: 9 })];
    const startOf = new Map<string, string>();
    for (const r of rows) if (r.phase === 1) startOf.set(`${r.plc}/${r.cycle}`, r.timestamp);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const params = chunk.flatMap((r) => [r.plc, r.cycle, startOf.get(`${r.plc}/${r.cycle}`), r.cycle, r.phase, r.timestamp, r.s1, r.s2, r.s3, r.s4, r.s5]);
      const tuples = chunk.map((_r, k) => `(${Array.from({ length: 11 }, (_x, c) => `$${k * 11 + c + 1}`).join(', ')})`);
      await t.db.query(`INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5) VALUES ${tuples.join(', ')}`, params);
    }
    // PLC 1's first cycle was reported (an anomaly): its 5 rows are left out.
    const first = rows.find((r) => r.plc === 1)!;
    await t.db.query(`INSERT INTO anomaly_reports (plc_id, cycle_no, ts, detector, is_anomaly, report) VALUES (1, $1, $2, 'phase-range', true, '{}')`, [first.cycle, startOf.get(`1/${first.cycle}`)]);
    const halfHour = new Date(FROM + 1_800_000).toISOString();

    const out = io();
    assert.equal(await runTrain({ detector: 'iqr', 'from-db': true, plcs: '1,2', to: halfHour }, out, lines()), 0, out.errLines.join('\n'));
    const j = json(out.outLines);
    const inRange = rows.filter((r) => r.plc <= 2 && Date.parse(startOf.get(`${r.plc}/${r.cycle}`)!) < FROM + 1_800_000).length;
    assert.deepEqual([j.detector, j.plcs, j.rows_read, j.rows_excluded, j.rows_normal], ['iqr', [1, 2], inRange, 5, inRange - 5]);
    const info = await createModelRegistry(t.db).load('iqr', 1);
    assert.ok(info.ok);
    assert.deepEqual([info.value.trainedOn['source'], info.value.trainedOn['to']], ['database', halfHour]);
  });

  it('refuses empty data with one line and its code', async () => {
    await mkdir(join(home, 'empty'));
    const dir = io();
    assert.equal(await runCli(['train', '--detector', 'zscore', '--from-dir', 'empty'], dir), 1);
    assert.match(dir.errLines.at(-1)!, /^error DATASET_INVALID: --from-dir .*empty has no serie_temporal_\*\.json files/);
    const db = io();
    assert.equal(await runCli(['train', '--detector', 'zscore', '--from-db', '--plcs', '99'], db), 1);
    assert.match(db.errLines.at(-1)!, /^error DETECTOR_FIT_FAILED: no normal rows to train on \(0 read, 0 anomalous\)/);
    const missing = io();
    assert.equal(await runCli(['train', '--detector', 'zscore', '--from-dir', 'nowhere'], missing), 1);
    assert.match(missing.errLines.at(-1)!, /^error DATASET_INVALID: --from-dir .*nowhere: ENOENT/);
  });
});
