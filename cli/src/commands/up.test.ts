import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, getTestPostgres } from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runCli } from '../main.js';

/** Bad configuration stops `up` at start with one line that says what to do, and leaves nothing running. */
describe('typedcluster up refuses bad configuration @integration', function () {
  this.timeout(60_000);
  let home: string;
  let dbUrl: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'tc-up-'));
    dbUrl = (await getTestPostgres()).url;
  });
  after(() => rm(home, { recursive: true, force: true }));

  const up = async (env: Record<string, string>) => {
    const io = recordingIo({ TYPEDCLUSTER_HOME: home, LOG_LEVEL: 'error', MQTT_PORT: '0', ...env }, process.cwd());
    const code = await runCli(['up'], io);
    return { code, line: io.errLines.find((l) => l.startsWith('error ')) ?? io.errLines.join(' | ') };
  };

  it('an unreachable database', async () => {
    const r = await up({ DATABASE_URL: `postgres://u:secret@127.0.0.1:${await freePort()}/x` });
    assert.equal(r.code, 1);
    assert.match(r.line, /^error DATABASE_UNREACHABLE: .*127\.0\.0\.1:\d+.* — .*DATABASE_URL/);
    assert.doesNotMatch(r.line, /secret/, 'the password is never printed');
  });

  it('a gateway port already in use', async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await up({ DATABASE_URL: dbUrl, PORT: String(port) });
      assert.equal(r.code, 1);
      assert.match(r.line, new RegExp(`^error PORT_IN_USE: .*${port}.* — .*PORT`));
    } finally {
      server.close();
    }
  });

  it('a stack.yml naming a template the gateway cannot run', async () => {
    const stack = join(home, 'stack.yml');
    await writeFile(stack, 'version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  legacy:\n    lang: python3\n    handler: ./legacy\n    image: legacy:1\n');
    const r = await up({ DATABASE_URL: dbUrl, PORT: '0', STACK_FILE: stack });
    assert.equal(r.code, 1);
    assert.match(r.line, /^error UNKNOWN_LANG: .*legacy.*python3.* — /);
  });

  it('a secret a function needs that does not exist', async () => {
    const stack = join(home, 'stack-secret.yml');
    await writeFile(stack, [
      'version: 1.0', 'provider:', '  name: openfaas', 'functions:', '  store-reading:', '    lang: typescript-node',
      `    handler: ${join(process.cwd(), 'functions/store-reading')}`, '    image: x:1', '    secrets:', '      - not-provisioned', '',
    ].join('\n'));
    const r = await up({ DATABASE_URL: dbUrl, PORT: '0', STACK_FILE: stack });
    assert.equal(r.code, 1);
    assert.match(r.line, /^error CONFIG_MISSING: .*not-provisioned.* — /);
  });
});
