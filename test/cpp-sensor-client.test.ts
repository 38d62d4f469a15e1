import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestPlatform, REPO_ROOT, type TestPlatform } from './support/test-platform.js';

const run = promisify(execFile);
const SOURCE = join(REPO_ROOT, 'clients/cpp-sensor');
// Under build/ (gitignored); cmake rebuilds only what changed, so later runs take a second.
const BUILD = join(SOURCE, 'build');
const CLIENT = join(BUILD, 'tc-sensor');

/** Configures and builds the client once per test process; the reason when the tools are missing. */
let built: Promise<string | undefined> | undefined;
function buildClient(): Promise<string | undefined> {
  return (built ??= (async () => {
    for (const [tool, args] of [['cmake', ['--version']], ['g++', ['--version']], ['pkg-config', ['--exists', 'libsodium']], ['pkg-config', ['--exists', 'nlohmann_json']]] as const) {
      try {
        await run(tool, [...args]);
      } catch {
        return `${tool} ${args.join(' ')} failed: install cmake, g++, pkg-config, libsodium-dev and nlohmann-json3-dev (.ci/run does)`;
      }
    }
    await run('cmake', ['-S', SOURCE, '-B', BUILD, '-DCMAKE_BUILD_TYPE=Release'], { maxBuffer: 16 << 20 });
    await run('cmake', ['--build', BUILD, '-j2'], { maxBuffer: 16 << 20 });
    return undefined;
  })());
}

async function needClient(ctx: Mocha.Context): Promise<void> {
  const missing = await buildClient();
  if (missing) {
    console.log(`    (pending: ${missing})`);
    ctx.skip();
  }
}

describe('C++ sensor client: build and wire vectors', function () {
  this.timeout(300_000);
  before(async function () {
    await needClient(this);
  });

  it('reproduces every committed vector of test-vectors/wire-v1.json byte for byte (ctest)', async () => {
    const ctest = await run('ctest', ['--test-dir', BUILD, '--output-on-failure']);
    assert.match(ctest.stdout, /100% tests passed, 0 tests failed out of 2/);
    const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'test-vectors/wire-v1.json'), 'utf8')) as Record<'frames' | 'errors' | 'streams', unknown[]>;
    const { stdout } = await run(join(BUILD, 'wire_vectors_test'), [join(REPO_ROOT, 'test-vectors/wire-v1.json')]);
    const m = /^ok: (\d+)\/(\d+) checks passed over (\d+) frames, (\d+) errors, (\d+) streams$/m.exec(stdout);
    assert.ok(m, stdout);
    assert.equal(m[1], m[2]);
    assert.deepEqual([m[3], m[4], m[5]].map(Number), [vectors.frames.length, vectors.errors.length, vectors.streams.length]);
  });

  it('explains its options and refuses a bad one naming it', async () => {
    const help = await run(CLIENT, ['--help']);
    assert.match(help.stdout, /--credentials FILE/);
    await assert.rejects(run(CLIENT, ['--credentials', 'x.json', '--port', '70000']), (e: { code?: number; stderr?: string }) => e.code === 2 && /--port=70000 is not an integer in 1\.\.65535/.test(e.stderr ?? ''));
  });
});

describe('C++ sensor client → gateway TCP listener → PostgreSQL @integration', function () {
  this.timeout(300_000);
  let tp: TestPlatform | undefined;
  before(async function () {
    await needClient(this);
    tp = await startTestPlatform();
  });
  after(() => tp?.stop());

  it('stores every reading it sends exactly once, resending after a dropped connection', async () => {
    const p = tp!;
    const creds = await p.provision('cpp-sensor');
    const file = join(p.home, 'devices', 'cpp-sensor.json');
    const count = 300;
    const { stdout } = await run(CLIENT, ['--credentials', file, '--port', String(p.platform.gateway.tcp!.port), '--count', String(count), '--interval-ms', '0', '--window', '32', '--drop-after', '100']);
    const totals = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    assert.equal(totals['device'], creds.deviceId);
    assert.equal(totals['readings'], count);
    assert.equal(totals['unacknowledged'], 0);
    assert.equal(totals['refused'], 0);
    assert.ok(totals['connects']! >= 2, `reconnected after the drop: ${stdout}`);
    assert.equal(totals['stored']! + totals['duplicates']!, count + 1, 'every frame (session + readings) acknowledged once');
    const q = async (sql: string) => (await p.database.db.query<{ n: string }>(sql, [creds.deviceId])).rows[0]?.n;
    assert.equal(await q('SELECT count(*) AS n FROM readings WHERE device_id = $1'), String(count));
    assert.equal(await q('SELECT count(DISTINCT seq) AS n FROM readings WHERE device_id = $1'), String(count));
    assert.equal(await q('SELECT count(*) AS n FROM readings WHERE device_id = $1 AND temperature BETWEEN 15 AND 25 AND humidity BETWEEN 35 AND 55'), String(count));
  });
});
