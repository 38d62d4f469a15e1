import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyJwtHs256 } from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';

describe('typedcluster token', () => {
  let home: string;
  before(async () => (home = await mkdtemp(join(tmpdir(), 'tc-token-'))));
  after(() => rm(home, { recursive: true, force: true }));
  const io = () => recordingIo({ TYPEDCLUSTER_HOME: home }, home);

  it('prints a token signed with the platform jwt-secret, with role, sub and exp', async () => {
    const out = io();
    const before = Math.floor(Date.now() / 1000);
    assert.equal(await runCli(['token', '--sub', 'alice', '--ttl', '2h'], out), 0, out.errLines.join('\n'));
    assert.equal(out.outLines.length, 1);
    const secret = (await readFile(join(home, 'secrets', 'jwt-secret'), 'utf8')).trim();
    assert.ok(secret.length >= 32);
    const v = verifyJwtHs256(out.outLines[0]!, secret, Date.now());
    assert.ok(v.ok);
    assert.equal(v.value.role, 'operator');
    assert.equal(v.value.sub, 'alice');
    const exp = v.value.exp ?? 0;
    assert.ok(exp >= before + 7200 && exp <= Math.floor(Date.now() / 1000) + 7200, `exp ${exp}`);
  });

  it('signs with --secret-file and --role', async () => {
    const file = join(home, 'prod-secret');
    await writeFile(file, 'p'.repeat(40) + '\n');
    const out = io();
    assert.equal(await runCli(['token', '--sub', 'grafana', '--role', 'web_anon', '--secret-file', file], out), 0, out.errLines.join('\n'));
    const v = verifyJwtHs256(out.outLines[0]!, 'p'.repeat(40), Date.now());
    assert.ok(v.ok && v.value.role === 'web_anon');
  });

  it('refuses a missing --sub, a bad --role, a bad --ttl and a short secret file, naming the flag', async () => {
    for (const [args, flag] of [
      [['token'], '--sub'],
      [['token', '--sub', 'a', '--role', 'Robert; DROP'], '--role'],
      [['token', '--sub', 'a', '--ttl', 'soon'], '--ttl'],
      [['token', '--sub', 'a', '--secret-file', join(home, 'missing')], '--secret-file'],
    ] as const) {
      const out = io();
      assert.notEqual(await runCli([...args], out), 0, args.join(' '));
      assert.match(out.errLines.join('\n'), new RegExp(flag), args.join(' '));
      assert.equal(out.outLines.length, 0);
    }
  });
});
