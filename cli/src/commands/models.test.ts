import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@typedcluster/core';
import { createDetector, createModelRegistry } from '@typedcluster/detectors';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';

const FEATURES = ['s1', 's2', 's3', 's4', 's5'];

describe('typedcluster models list / activate @integration', () => {
  let t: TestDatabase;
  let home: string;
  before(async () => {
    t = await createTestDatabase('cli_models');
    home = await mkdtemp(join(tmpdir(), 'tc-models-'));
    const d = createDetector('zscore');
    assert.ok(d.ok);
    const stream = Array.from({ length: 40 }, (_, i) => ({ group: (i % 5) + 1, values: FEATURES.map((_f, s) => 20 + s + (i % 7) / 10) }));
    await d.value.fit([stream], { features: FEATURES, seed: 1 });
    const reg = createModelRegistry(t.db);
    assert.ok((await reg.save({ artefact: d.value.save(), metrics: { f1: 0.5 }, activate: true })).ok);
    assert.ok((await reg.save({ artefact: d.value.save() })).ok);
  });
  after(async () => {
    await t?.drop();
    await rm(home, { recursive: true, force: true });
  });
  const io = () => recordingIo({ TYPEDCLUSTER_HOME: home, DATABASE_URL: t.url }, home);
  const activeRows = (lines: string[]) => lines.slice(1).filter((l) => / yes /.test(l)).map((l) => l.split(/\s+/).slice(0, 2).join(' '));

  it('lists the versions with the active one marked', async () => {
    const out = io();
    assert.equal(await runCli(['models', 'list'], out), 0, out.errLines.join('\n'));
    assert.match(out.outLines[0] ?? '', /^DETECTOR\s+VERSION\s+ACTIVE/);
    assert.equal(out.outLines.length, 3);
    assert.deepEqual(activeRows(out.outLines), ['zscore 1']);
  });

  it('activate switches the active version, which list and the registry then show', async () => {
    const out = io();
    assert.equal(await runCli(['models', 'activate', 'zscore', '2'], out), 0, out.errLines.join('\n'));
    assert.deepEqual(out.outLines, ['zscore v2 is active']);
    assert.deepEqual(await createModelRegistry(t.db).activeVersion('zscore'), { ok: true, value: { algorithm: 'zscore', version: 2 } });
    const list = io();
    assert.equal(await runCli(['models', 'list', '--detector', 'zscore'], list), 0);
    assert.deepEqual(activeRows(list.outLines), ['zscore 2']);
  });

  it('refuses an unknown version with its code, and a missing argument with usage', async () => {
    const out = io();
    assert.equal(await runCli(['models', 'activate', 'zscore', '9'], out), 1);
    assert.match(out.errLines[0] ?? '', /^error MODEL_NOT_FOUND: /);
    const bad = io();
    assert.equal(await runCli(['models', 'activate', 'zscore'], bad), 2);
    assert.match(bad.errLines[0] ?? '', /give the detector and the version/);
  });
});
