import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '../errors/startup-error.js';
import { loadPhaseModel, parsePhaseModel, readPhaseModelConfig } from './parse-phase-model.js';
import { TYPICAL_MODEL } from './typical-model.js';

const valid = () => ({
  comment: 'a plant',
  sensors: {
    s1: [[0, 5], [5, 10], [15, 16], [5, 10], [0, 5]],
    s2: [[0, 5], [0, 5], [10, 15], [0, 5], [0, 5]],
    s3: [[0, 5], [10, 20], [20, 30], [10, 20], [0, 5]],
    s4: [[0, 30], [30, 35], [35, 40], [40, 45], [45, 50]],
    s5: [[0, 1], [1, 2], [3, 4], [2, 3], [0, 1]],
  } as Record<string, unknown>,
});

describe('phase model as data (modelo_tipico.json)', () => {
  it('TYPICAL_MODEL is the built-in JSON file, s5 normalised', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(new URL('./modelo_tipico.json', import.meta.url), 'utf8');
    const r = parsePhaseModel(text, 'modelo_tipico.json');
    assert.ok(r.ok);
    assert.deepEqual(r.value, TYPICAL_MODEL);
    const mine = parsePhaseModel(JSON.stringify(valid()), 'x');
    assert.ok(mine.ok);
    assert.deepEqual(mine.value, TYPICAL_MODEL, 'the user\'s table, with s5 [3-2] and [1-0] written [2, 3] and [0, 1]');
    assert.match(text, /reversed/, 'the file says that s5 was normalised');
  });

  const cases: Array<[string, (m: ReturnType<typeof valid>) => unknown, RegExp, string]> = [
    ['a missing sensor', (m) => { delete m.sensors['s3']; return m; }, /sensors\.s3 is missing/, 'sensors.s3'],
    ['an unknown sensor', (m) => { m.sensors['s6'] = []; return m; }, /sensors\.s6 is not a sensor/, 'sensors.s6'],
    ['min > max', (m) => { (m.sensors['s5'] as number[][])[3] = [3, 2]; return m; }, /sensors\.s5\[3\] has min 3 > max 2/, 'sensors.s5[3]'],
    ['four phases', (m) => { (m.sensors['s2'] as unknown[]).pop(); return m; }, /sensors\.s2 has 4 phases, not 5/, 'sensors.s2'],
    ['six phases', (m) => { (m.sensors['s1'] as unknown[]).push([0, 1]); return m; }, /sensors\.s1 has 6 phases, not 5/, 'sensors.s1'],
    ['a non-number', (m) => { (m.sensors['s4'] as unknown[][])[1] = [30, '35']; return m; }, /sensors\.s4\[1\]\[1\] \(max\) is not a finite number/, 'sensors.s4[1][1] (max)'],
    ['a range of three numbers', (m) => { (m.sensors['s4'] as unknown[][])[0] = [0, 1, 2]; return m; }, /sensors\.s4\[0\] is not a \[min, max\] pair/, 'sensors.s4[0]'],
    ['no sensors object', () => ({ s1: [] }), /sensors is missing/, 'sensors'],
    ['an array at the top', () => [], /\(top level\) is not a JSON object/, '(top level)'],
  ];
  for (const [what, change, message, field] of cases) {
    it(`refuses ${what}, naming the field`, () => {
      const r = parsePhaseModel(JSON.stringify(change(valid())), 'plant.json');
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.error.code, 'MODEL_INVALID');
      assert.equal(r.error.at, field);
      assert.match(r.error.message, /^plant\.json: /);
      assert.match(r.error.message, message);
    });
  }

  it('refuses text that is not JSON', () => {
    const r = parsePhaseModel('{"sensors": ', 'plant.json');
    assert.ok(!r.ok && r.error.code === 'MODEL_INVALID' && /plant\.json: is not JSON/.test(r.error.message));
  });

  it('loadPhaseModel reads a plant file, and stops with StartupError MODEL_INVALID on a bad or missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tc-model-'));
    try {
      const m = valid();
      (m.sensors['s1'] as number[][])[0] = [1, 4];
      await writeFile(join(dir, 'ok.json'), JSON.stringify(m));
      assert.deepEqual(loadPhaseModel(join(dir, 'ok.json'))[0]?.[0], [1, 4]);
      await writeFile(join(dir, 'bad.json'), JSON.stringify({ sensors: { ...m.sensors, s2: undefined } }));
      assert.throws(() => loadPhaseModel(join(dir, 'bad.json')), (e: unknown) => e instanceof StartupError && e.code === 'MODEL_INVALID' && /sensors\.s2 is missing/.test(e.message));
      assert.throws(() => loadPhaseModel(join(dir, 'none.json')), (e: unknown) => e instanceof StartupError && e.code === 'MODEL_INVALID' && /ENOENT/.test(e.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('PHASE_MODEL_FILE names a plant model; unset or blank means the built-in one', () => {
    assert.deepEqual(readPhaseModelConfig({ PHASE_MODEL_FILE: ' /etc/plant.json ' }), { file: '/etc/plant.json' });
    assert.deepEqual(readPhaseModelConfig({ PHASE_MODEL_FILE: '' }), { file: undefined });
    assert.deepEqual(readPhaseModelConfig({}), { file: undefined });
  });
});
