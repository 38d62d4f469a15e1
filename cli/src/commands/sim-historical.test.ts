import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePhaseModel, readHistoricalRows } from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';
import { parseDateFlag } from '../sim/historical-flags.js';
import { createProgressBar } from '../sim/progress-bar.js';
import { runHistorical } from '../sim/run-historical.js';

describe('typedcluster sim historical', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tc-sim-hist-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => {
    const io = recordingIo({ TYPEDCLUSTER_HOME: join(dir, 'never-created') }, dir);
    const code = await runCli(['sim', 'historical', ...args], io);
    return { code, out: io.outLines, err: io.errLines };
  };
  const range = ['--from', '2026-01-01', '--to', '2026-01-01T01:00:00Z'];

  const bad: Array<[string[], RegExp]> = [
    [['--to', '2026-01-02'], /^error: --from is required/],
    [['--from', '2026-01-01'], /^error: --to is required/],
    [['--from', '2026-02-30', '--to', '2026-03-02'], /^error: --from 2026-02-30 is not a date/],
    [['--from', 'yesterday', '--to', '2026-03-02'], /^error: --from yesterday is not a date/],
    [['--from', '2026-01-01', '--to', '2026-13-01'], /^error: --to 2026-13-01 is not a date/],
    [['--from', '2026-01-02', '--to', '2026-01-01'], /^error: --to 2026-01-01 is not at least one 30 s cycle after --from 2026-01-02/],
    [['--from', '2026-01-01', '--to', '2026-01-01'], /^error: --to 2026-01-01 is not at least one 30 s cycle after/],
    [['--from', '2026-01-01T08:00:00', '--to', '2026-01-02'], /^error: --from 2026-01-01T08:00:00 is not a date .* with a zone/],
    [[...range, '--plcs', '0'], /^error: --plcs 0 is not an integer in 1\.\.1000$/],
    [[...range, '--temperature', '1.5'], /^error: --temperature 1\.5 is not a number in 0\.\.1/],
    [[...range, '--seed=-3'], /^error: --seed -3 is not an integer/],
    [[...range, '--out', ' '], /^error: --out is empty/],
  ];
  for (const [args, expected] of bad) {
    it(`refuses ${args.join(' ')} with one line naming the flag, exit 2`, async () => {
      const r = await run(...args);
      assert.equal(r.code, 2);
      assert.equal(r.err.length, 1, r.err.join('\n'));
      assert.match(r.err[0]!, expected);
      assert.deepEqual(r.out, []);
    });
  }

  it('refuses an unknown option', async () => {
    const r = await run(...range, '--plc', '3');
    assert.equal(r.code, 2);
    assert.match(r.err[0]!, /Unknown option '--plc'/);
  });

  it('refuses an invalid model file with MODEL_INVALID naming the field, from --model or PHASE_MODEL_FILE', async () => {
    const file = join(dir, 'plant.json');
    await writeFile(file, JSON.stringify({ sensors: { s1: [[0, 1]], s2: [], s3: [], s4: [], s5: [] } }));
    const r = await run(...range, '--model', file, '--out', join(dir, 'never'));
    assert.equal(r.code, 1);
    assert.match(r.err.at(-1)!, /^error MODEL_INVALID: .*plant\.json: sensors\.s1 has 1 phases, not 5 — /);
    const io = recordingIo({ PHASE_MODEL_FILE: file }, dir);
    assert.equal(await runCli(['sim', 'historical', ...range, '--out', join(dir, 'never')], io), 1);
    assert.match(io.errLines.at(-1)!, /sensors\.s1 has 1 phases/);
  });

  it('writes the day files, their CSV twins and the model used; reports rows and episodes; refuses to overwrite', async () => {
    const out = join(dir, 'ok');
    const io = recordingIo({}, dir);
    const lines: string[] = [];
    const code = await runHistorical({ plcs: '2', from: '2026-01-01T23:00:00Z', to: '2026-01-02T01:00:00Z', temperature: '0', seed: '7', out, csv: true }, io, { tty: false, write: () => assert.fail('no raw writes off a terminal'), line: (l) => lines.push(l) });
    assert.equal(code, 0, io.errLines.join('\n'));
    assert.deepEqual((await readdir(out)).sort(), ['modelo_tipico.json', 'serie_temporal_2026-01-01.csv', 'serie_temporal_2026-01-01.json', 'serie_temporal_2026-01-02.csv', 'serie_temporal_2026-01-02.json']);
    assert.match(io.outLines[0]!, /seed 7 \(--seed 7 repeats the bytes\)/);
    assert.match(io.outLines.join('\n'), /^2400 rows, 0 labelled anomalous/m);
    assert.match(io.outLines.at(-1)!, /^anomaly episodes: spike \d+, drift \d+/);
    assert.match(lines.at(-1)!, /^sim historical \[#{30}\] 100% 2,400 rows$/);
    assert.ok(parsePhaseModel(await readFile(join(out, 'modelo_tipico.json'), 'utf8'), 'x').ok);
    let n = 0;
    for await (const r of readHistoricalRows(join(out, 'serie_temporal_2026-01-02.json'))) n += r.plc === 2 ? 1 : 0;
    assert.equal(n, 120 * 5, 'the second day\'s hour of PLC 2: 120 cycles of 5 phases');
    const again = await run('--from', '2026-01-01', '--to', '2026-01-01T00:01:00Z', '--out', out);
    assert.equal(again.code, 1);
    assert.match(again.err.at(-1)!, /already holds 4 serie_temporal_\* files/);
  });

  it('--help lists the flags with examples; `sim` keeps its own help', async () => {
    const r = await run('--help');
    assert.equal(r.code, 0);
    for (const flag of ['--plcs', '--from', '--to', '--temperature', '--seed', '--out', '--csv', '--model']) assert.ok(r.out.join('\n').includes(flag), flag);
    assert.match(r.out.join('\n'), /typedcluster sim historical --plcs 10 --from 2026-01-01/);
    const io = recordingIo({}, dir);
    assert.equal(await runCli(['sim', '--help'], io), 0);
    assert.match(io.outLines.join('\n'), /--mqtt-url/);
  });

  it('dates: a day is UTC midnight; times need a zone; impossible days are refused', () => {
    assert.equal(parseDateFlag('2026-01-01'), Date.UTC(2026, 0, 1));
    assert.equal(parseDateFlag('2026-01-01T08:30:00+02:00'), Date.UTC(2026, 0, 1, 6, 30));
    assert.ok(Number.isNaN(parseDateFlag('2026-02-29')));
    assert.equal(parseDateFlag('2028-02-29'), Date.UTC(2028, 1, 29));
    assert.ok(Number.isNaN(parseDateFlag('2026-04-31T00:00:00Z')));
  });

  it('the progress bar redraws one line on a terminal, at most every interval', () => {
    let t = 0;
    const raw: string[] = [];
    const bar = createProgressBar({ tty: true, write: (s) => raw.push(s), line: () => assert.fail('no lines on a terminal') }, 'x', () => t, 100);
    bar.update(0.1, 'a');
    t = 50;
    bar.update(0.2, 'b');
    t = 150;
    bar.update(0.5, 'c');
    bar.done('d');
    assert.equal(raw.length, 3);
    assert.ok(raw.every((s) => s.startsWith('\r')));
    assert.match(raw[1]!, /\[#{15}-{15}\]  50% c/);
    assert.ok(raw[2]!.endsWith('\n'));
  });
});

describe('configuration table: the phase model', () => {
  it('cli/README.md has a row for every phase model variable', async () => {
    const { PHASE_MODEL_ENV } = await import('@typedcluster/core');
    const text = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name] of PHASE_MODEL_ENV) assert.match(text, new RegExp(`^\\| \`${name}\` \\|`, 'm'), `cli/README.md lacks a row for ${name}`);
  });
});
