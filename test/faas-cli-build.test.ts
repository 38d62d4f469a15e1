import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { copyRepoForBuild, createBuildContext, listFiles } from './support/faas-build-context.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const FUNCTIONS = ['ingest-binary', 'verify-and-decrypt', 'store-reading', 'detect-anomaly'] as const;

interface StackDoc {
  configuration: { copy: string[] };
  functions: Record<string, { lang: string; handler: string }>;
}

/**
 * The real faas-cli on the real stack.yml. No Docker needed: --shrinkwrap
 * stops once build/<fn>/ is made. faas-cli is built once by
 * scripts/ensure-faas-cli.sh into .tools/bin; when it cannot be had the
 * suite is pending, saying why, rather than passing unchecked.
 */
describe('faas-cli build --shrinkwrap @integration', function () {
  this.timeout(20 * 60_000);
  let faasCli = '';
  let work = '';

  before(function () {
    const r = spawnSync('bash', [join(REPO, 'scripts/ensure-faas-cli.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) {
      // Reported as pending, with the reason, never as passed: the Go module
      // proxy reachable here refuses github.com/openfaas/* (403), so these
      // checks run only where a faas-cli binary can be had (FAAS_CLI=…).
      const reason = r.stderr.trim().split('\n').filter((l) => /403|refuse|failed|not installed|does not run/i.test(l)).slice(0, 2).join(' / ');
      console.warn(`    faas-cli unavailable, real-faas-cli checks pending: ${reason || r.stderr.trim()}`);
      this.skip();
    }
    faasCli = r.stdout.trim().split('\n').pop() ?? '';
    work = mkdtempSync(join(tmpdir(), 'faas-build-'));
    copyRepoForBuild(REPO, work);
    execFileSync(faasCli, ['build', '--shrinkwrap', '-f', 'stack.yml'], { cwd: work, stdio: 'pipe', timeout: 120_000 });
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const fn of FUNCTIONS) {
    it(`build/${fn}: template, handler under function/, copied core/ and sql/, Dockerfile`, () => {
      const ctx = join(work, 'build', fn);
      for (const f of ['Dockerfile', 'template.yml', 'package.json', 'tsconfig.json', 'tsconfig.core.json', 'index.ts', '.dockerignore']) {
        assert.ok(existsSync(join(ctx, f)), `${f} missing in build/${fn}`);
      }
      assert.equal(
        readFileSync(join(ctx, 'function/handler.ts'), 'utf8'),
        readFileSync(join(REPO, 'functions', fn, 'handler.ts'), 'utf8'),
        'function/handler.ts is the function\'s own handler, not the scaffold',
      );
      assert.ok(existsSync(join(ctx, 'function/package.json')));
      assert.ok(existsSync(join(ctx, 'function/core/package.json')), 'core/ copied under function/');
      assert.ok(existsSync(join(ctx, 'function/core/src/index.ts')));
      assert.ok(existsSync(join(ctx, 'function/detectors/package.json')), 'detectors/ copied under function/ (kept only where the handler depends on it)');
      assert.ok(listFiles(join(ctx, 'function/sql')).some((f) => f.endsWith('.sql')), 'sql/ copied under function/');
    });
  }

  it('matches the TS model of the build context that the other tests rely on', () => {
    const stack = parse(readFileSync(join(work, 'stack.yml'), 'utf8')) as StackDoc;
    const model = mkdtempSync(join(tmpdir(), 'faas-model-'));
    try {
      copyRepoForBuild(REPO, model);
      for (const fn of FUNCTIONS) {
        const def = stack.functions[fn];
        assert.ok(def, fn);
        createBuildContext(model, { name: fn, ...def }, stack.configuration.copy);
        assert.deepEqual(listFiles(join(model, 'build', fn)), listFiles(join(work, 'build', fn)), `build/${fn} differs from the model`);
      }
    } finally {
      rmSync(model, { recursive: true, force: true });
    }
  });

  it('faas-cli new --lang typescript-node scaffolds from template/typescript-node/function', () => {
    // A folder of its own: `new` writes a stack file, which must not meet ours.
    const dir = join(work, 'new');
    cpSync(join(REPO, 'template'), join(dir, 'template'), { recursive: true });
    execFileSync(faasCli, ['new', 'hello-fn', '--lang', 'typescript-node'], { cwd: dir, stdio: 'pipe', timeout: 60_000 });
    for (const f of ['handler.ts', 'package.json', 'README.md']) {
      assert.equal(
        readFileSync(join(dir, 'hello-fn', f), 'utf8'),
        readFileSync(join(REPO, 'template/typescript-node/function', f), 'utf8'),
        f,
      );
    }
  });
});
