import assert from 'node:assert/strict';
import { recordingIo } from './cli-test-io.js';
import { runCli } from './main.js';

describe('typedcluster command line', () => {
  it('lists every command with --help', async () => {
    const io = recordingIo({}, process.cwd());
    assert.equal(await runCli(['--help'], io), 0);
    const text = io.outLines.join('\n');
    for (const cmd of ['up', 'device add', 'device list', 'device revoke']) assert.match(text, new RegExp(`^  ${cmd} `, 'm'));
  });

  it('gives each command its own --help with its flags', async () => {
    const io = recordingIo({}, process.cwd());
    assert.equal(await runCli(['device', 'add', '--help'], io), 0);
    const text = io.outLines.join('\n');
    assert.match(text, /Usage:\n  typedcluster device add --name <name>/);
    assert.match(text, /--name <value>/);
    assert.match(text, /--out <value>/);
  });

  it('refuses an unknown command with exit 2 and the usage', async () => {
    const io = recordingIo({}, process.cwd());
    assert.equal(await runCli(['deploy'], io), 2);
    assert.equal(io.errLines[0], 'error: unknown command "deploy"');
  });

  it('refuses an unknown flag with exit 2 and a pointer to --help', async () => {
    const io = recordingIo({}, process.cwd());
    assert.equal(await runCli(['up', '--dmeo'], io), 2);
    assert.match(io.errLines[0] ?? '', /^error: Unknown option '--dmeo'/);
    assert.equal(io.errLines[1], 'Run "typedcluster up --help" for usage.');
  });

  it('stops on a bad variable with one line naming it', async () => {
    const io = recordingIo({ LOG_LEVEL: 'loud' }, process.cwd());
    assert.equal(await runCli(['device', 'list'], io), 1);
    assert.deepEqual(io.errLines, ['error CONFIG_INVALID: LOG_LEVEL=loud is not a log level — use one of debug, info, warn, error']);
  });
});
