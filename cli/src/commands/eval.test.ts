import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { parseEvalFlags } from '../eval/run-eval.js';
import { evalCommand } from './eval.js';

describe('typedcluster eval', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eval-'));
    const lines = ['datetime;a;b;anomaly;changepoint'];
    for (let i = 0; i < 600; i++) lines.push(`t;${Math.sin(i) + (i >= 500 ? 9 : 0)};${Math.cos(i * 1.7)};${i >= 500 ? 1 : 0};0`);
    await writeFile(join(dir, '0.csv'), lines.join('\n'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints the table with the baseline and the leaderboard, and a JSON line last', async () => {
    const io = recordingIo({}, dir);
    assert.equal(await evalCommand.run({ dataset: 'skab', dir: '.', detector: 'zscore' }, [], io), 0);
    const last = JSON.parse(io.outLines.at(-1)!) as Record<string, number | string>;
    for (const k of ['detector', 'f1', 'far', 'mar', 'precision', 'recall', 'roc_auc']) assert.ok(k in last, k);
    assert.equal(last.detector, 'zscore');
    assert.equal(last.rows, 200);
    assert.ok((last.recall as number) > 0.95);
    assert.ok(io.outLines.some((l) => l.includes('all anomalous (trivial)')));
    assert.ok(io.outLines.some((l) => l.includes('Conv-AE')));
    assert.ok(io.errLines.some((l) => l.includes('100 %')), 'progress reaches 100 %');
  });

  it('resolves best per data set and names the bad flag', () => {
    assert.equal(parseEvalFlags({ dataset: 'sim', dir: 'x', detector: 'best' }, '/').detector, 'phase-range');
    const code = (v: Record<string, string>) => {
      try {
        parseEvalFlags(v, '/');
        return 'none';
      } catch (e) {
        return e instanceof StartupError ? `${e.code} ${e.message.split(' ')[0]}` : 'other';
      }
    };
    assert.equal(code({ dataset: 'nab', dir: 'x' }), 'CONFIG_INVALID --dataset');
    assert.equal(code({ dataset: 'skab' }), 'CONFIG_MISSING --dir');
    assert.equal(code({ dataset: 'skab', dir: 'x', detector: 'magic' }), 'DETECTOR_UNKNOWN --detector:');
  });
});
