import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDockerfile } from './support/dockerfile.js';
import { copyRepoForBuild, createBuildContext, listFiles } from './support/faas-build-context.js';

/**
 * The Dockerfile's build stage, run for real without Docker: the scaffold
 * function gets the build context faas-cli would make (with core/ and sql/
 * copied in), the stage's RUN lines execute in it as written (only `/out`
 * is moved into the temp folder), and the assembled runtime tree is then
 * started as the image would start it (`node index.js`) and answers a POST.
 * Needs the npm registry (or a warm npm cache) for core's dependencies.
 */
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const FUNCTIONS = ['ingest-binary', 'verify-and-decrypt', 'store-reading', 'detect-anomaly'] as const;
/** stack.yml's configuration.copy (packaging-static.test.ts checks they agree). */
const COPY = ['./core', './detectors', './sql'];

/** Makes build/<name> as faas-cli would and runs the build stage's RUN lines in it; returns the runtime tree (/out). */
function buildImageTree(tmp: string, name: string, handler: string): string {
  const context = createBuildContext(tmp, { name, lang: 'typescript-node', handler }, COPY);
  // What .dockerignore keeps out of the context.
  for (const f of listFiles(context)) if (f.endsWith('.test.ts')) rmSync(join(context, f));

  const app = join(tmp, name, 'home/app'); // WORKDIR /home/app; `COPY . ./`
  cpSync(context, app, { recursive: true });
  const out = join(tmp, name, 'out');
  const { stages } = parseDockerfile(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const build = stages.find((s) => s.name === 'build');
  assert.ok(build, 'build stage');
  for (const run of build.instructions.filter((i) => i.keyword === 'RUN')) {
    const cmd = run.args.replaceAll('/out', out);
    const r = spawnSync('sh', ['-c', cmd], {
      cwd: app,
      encoding: 'utf8',
      timeout: 5 * 60_000,
      env: { ...process.env, NPM_CONFIG_LOGLEVEL: 'warn', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    });
    if (r.status !== 0) throw new Error(`${name}: RUN failed (${r.status ?? r.signal}): ${cmd}\n${r.stdout}\n${r.stderr}`);
  }
  return out;
}

describe('typescript-node image build stage, run without Docker @integration', function () {
  this.timeout(10 * 60_000);
  let tmp = '';
  let out = '';
  let child: ChildProcess | undefined;

  before(function () {
    tmp = mkdtempSync(join(tmpdir(), 'image-build-'));
    copyRepoForBuild(REPO, tmp);
    cpSync(join(REPO, 'template/typescript-node/function'), join(tmp, 'functions/hello'), { recursive: true });
    out = buildImageTree(tmp, 'hello', './functions/hello');
  });

  after(() => {
    child?.kill('SIGKILL');
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('assembles compiled JS, production modules, core dist and migrations only', () => {
    const files = listFiles(out).filter((f) => !f.startsWith('node_modules/'));
    for (const f of ['index.js', 'package.json', 'function/handler.js', 'function/package.json', 'core/package.json', 'core/dist/index.js', 'core/dist/index.d.ts']) {
      assert.ok(files.includes(f), `${f} missing`);
    }
    assert.ok(files.some((f) => /^sql\/.+\.sql$/.test(f)), 'sql/ migrations');
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no TypeScript sources');
    assert.ok(!existsSync(join(out, 'node_modules/typescript')), 'dev dependencies pruned');
    const link = join(out, 'node_modules/@typedcluster/core');
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.equal(realpathSync(link), realpathSync(join(out, 'core')), 'core links inside the tree, so COPY keeps it working');
  });

  it('starts as the image does (node index.js) and serves the handler', async () => {
    mkdirSync(join(tmp, 'secrets'));
    child = spawn(process.execPath, ['index.js'], {
      cwd: out,
      env: { PATH: process.env['PATH'], PORT: '0', BIND_ADDRESS: '127.0.0.1', FUNCTION_NAME: 'hello', SECRETS_DIR: join(tmp, 'secrets') },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no ready message in 20s:\n${stderr}`)), 20_000);
      child?.on('message', (m: { type?: string; port?: number }) => {
        if (m.type === 'ready' && m.port) {
          clearTimeout(timer);
          ok(m.port);
        }
      });
      child?.on('exit', (code) => fail(new Error(`exited ${code}:\n${stderr}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: new Uint8Array([1, 2, 3]), headers: { 'content-type': 'application/octet-stream' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { bytes: 3 });
    const exited = new Promise((ok) => child?.once('exit', ok));
    child.kill('SIGTERM');
    await exited;
  });

  for (const name of FUNCTIONS) {
    it(`${name} compiles in the image and its handler loads with production modules only`, () => {
      const fnOut = buildImageTree(tmp, name, `./functions/${name}`);
      const probe = "const m = await import('./function/handler.js'); if (typeof m.setup !== 'function' || typeof m.createHandler !== 'function') throw new Error('contract exports missing');";
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: fnOut, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      // Only detect-anomaly depends on @typedcluster/detectors: it alone ships it and TensorFlow.js.
      const detectors = name === 'detect-anomaly';
      assert.equal(existsSync(join(fnOut, 'detectors/dist/index.js')), detectors, 'detectors/dist');
      assert.equal(existsSync(join(fnOut, 'node_modules/@tensorflow/tfjs-backend-wasm')), detectors, 'the wasm backend');
      if (detectors) assert.equal(realpathSync(join(fnOut, 'node_modules/@typedcluster/detectors')), realpathSync(join(fnOut, 'detectors')));
    });
  }
});
