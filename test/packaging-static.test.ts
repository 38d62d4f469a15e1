import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createContext, createLogger, parseDurationMs, type FunctionRuntime } from '@typedcluster/core';
import * as scaffold from '../template/typescript-node/function/handler.js';
import { envOf, imageTag, parseDockerfile, type Stage } from './support/dockerfile.js';
import { copyRepoForBuild, createBuildContext, listFiles } from './support/faas-build-context.js';

/** Static checks of the OpenFaaS packaging: no Docker, no faas-cli. */
const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const TEMPLATE = join(REPO, 'template/typescript-node');
const FUNCTIONS = ['ingest-binary', 'verify-and-decrypt', 'store-reading', 'detect-anomaly'] as const;
const read = (p: string) => readFileSync(join(REPO, p), 'utf8');

interface StackFn {
  lang: string;
  handler: string;
  image: string;
  environment?: Record<string, unknown>;
  secrets?: string[];
  annotations?: Record<string, unknown>;
  labels?: Record<string, unknown>;
  limits?: { memory?: string };
}
interface StackDoc {
  version: unknown;
  provider: { name: string; gateway: string };
  configuration: { templates: { name: string; source?: string }[]; copy: string[] };
  functions: Record<string, StackFn>;
}
const stack = (): StackDoc => parse(read('stack.yml')) as StackDoc;

describe('template/typescript-node Dockerfile', () => {
  const { stages } = parseDockerfile(read('template/typescript-node/Dockerfile'));
  const stage = (pred: (s: Stage) => boolean, what: string): Stage => {
    const s = stages.find(pred);
    assert.ok(s, `no ${what} stage`);
    return s;
  };
  const ship = stages[stages.length - 1] as Stage;
  const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');

  it('takes of-watchdog from ghcr.io/openfaas at a pinned version', () => {
    const wd = stage((s) => imageTag(s.image).name === 'ghcr.io/openfaas/of-watchdog', 'of-watchdog');
    assert.equal(wd.name?.toLowerCase(), 'watchdog');
    assert.match(imageTag(wd.image).tag, /^\d+\.\d+\.\d+$/);
    assert.ok(ship.instructions.some((i) => i.keyword === 'COPY' && /--from=watchdog\s+\/fwatchdog/.test(i.args)));
  });

  it('pins every base image: no latest, no bare major where a minor is meant', () => {
    for (const s of stages) {
      const { tag } = imageTag(s.image);
      assert.notEqual(tag, 'latest', `${s.image} is unpinned`);
      assert.doesNotMatch(tag, /^\$|^$/, `${s.image}: an ARG was not resolved`);
    }
    const node = stages.filter((s) => imageTag(s.image).name === 'node');
    assert.ok(node.length >= 2, 'a node build stage and a node runtime stage');
    for (const s of node) assert.match(imageTag(s.image).tag, /^20\.\d+(\.\d+)?-alpine/, s.image);
  });

  it('builds in a node stage: npm install, tsc for core and for bootstrap + handler', () => {
    const build = stage((s) => s.name?.toLowerCase() === 'build', 'build');
    const r = runs(build);
    assert.match(r, /npm install/);
    assert.match(r, /node scripts\/link-workspaces\.mjs/, 'lifts the copied packages and sql out of the handler folder before npm install');
    assert.ok(r.indexOf('link-workspaces') < r.indexOf('npm install'));
    assert.match(r, /for p in \$\(cat \.workspace-packages\); do npx tsc -p "tsconfig\.\$p\.json"; done/, 'compiles each kept package, dependencies first');
    assert.match(r, /tsc -p tsconfig\.json/);
    assert.match(r, /npm prune --omit=dev/);
    assert.match(r, /cp -a "\$p\/package\.json" "\$p\/dist" "\/out\/\$p\/"/, 'ships each kept package\'s dist');
    assert.ok(existsSync(join(TEMPLATE, 'tsconfig.core.json')), 'core keeps its own tsconfig');
  });

  it('runs a slim runtime as the non-root user app, with compiled output only', () => {
    assert.notEqual(ship.name?.toLowerCase(), 'build');
    const users = ship.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args.trim());
    assert.equal(users.at(-1), 'app');
    assert.match(runs(ship), /adduser -S -G app app/);
    const copies = ship.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    assert.ok(copies.some((c) => /--from=build/.test(c) && /--chown=app:app/.test(c)));
    assert.ok(!copies.some((c) => !/--from=/.test(c)), 'the runtime copies nothing straight from the context');
    assert.ok(!/npm|tsc/.test(runs(ship)), 'no installs or compiles in the runtime stage');
  });

  it('configures of-watchdog for http mode in front of node index.js', () => {
    const env = envOf(ship);
    assert.equal(env['mode'], 'http');
    assert.equal(env['upstream_url'], 'http://127.0.0.1:3000');
    assert.equal(env['fprocess'], 'node index.js');
    assert.equal(env['PORT'], '3000', 'the bootstrap listens where upstream_url points');
    assert.equal(env['SECRETS_DIR'], '/var/openfaas/secrets');
    for (const t of ['exec_timeout', 'read_timeout', 'write_timeout']) {
      assert.ok(parseDurationMs(env[t] ?? '') !== undefined, `${t}=${env[t]}`);
    }
    assert.ok(ship.instructions.some((i) => i.keyword === 'HEALTHCHECK' && /\/tmp\/\.lock/.test(i.args)));
    assert.ok(ship.instructions.some((i) => i.keyword === 'CMD' && /fwatchdog/.test(i.args)));
  });
});

describe('template/typescript-node files', () => {
  it('template.yml names the language, fprocess, handler folder and a welcome message', () => {
    const t = parse(read('template/typescript-node/template.yml')) as Record<string, string>;
    assert.equal(t['language'], 'typescript-node');
    assert.equal(t['fprocess'], 'node index.js');
    assert.equal(t['handler_folder'], 'function');
    assert.ok((t['welcome_message'] ?? '').length > 20);
  });

  it('package.json: ESM, workspaces function + core, typescript only as a dev dependency', () => {
    const p = JSON.parse(read('template/typescript-node/package.json')) as Record<string, unknown>;
    assert.equal(p['type'], 'module');
    assert.deepEqual(p['workspaces'], ['function', 'core']);
    assert.equal(p['dependencies'], undefined, 'the bootstrap needs nothing beyond node and core');
    assert.ok((p['devDependencies'] as Record<string, string>)['typescript']);
  });

  it('tsconfig.json compiles bootstrap + handler to dist with the repo\'s strictness', () => {
    const t = JSON.parse(read('template/typescript-node/tsconfig.json')) as { compilerOptions: Record<string, unknown>; include: string[]; exclude: string[] };
    const base = JSON.parse(read('tsconfig.base.json')) as { compilerOptions: Record<string, unknown> };
    for (const k of ['strict', 'noUncheckedIndexedAccess', 'module', 'moduleResolution', 'target', 'verbatimModuleSyntax']) {
      assert.deepEqual(t.compilerOptions[k], base.compilerOptions[k], k);
    }
    assert.equal(t.compilerOptions['outDir'], 'dist');
    assert.equal(t.compilerOptions['customConditions'], undefined, 'core resolves to its compiled dist in the image');
    assert.deepEqual(t.include, ['index.ts', 'bootstrap/**/*.ts', 'function/**/*.ts']);
    assert.ok(t.exclude.includes('**/*.test.ts'));
  });

  it('the scaffold follows the function module contract', async () => {
    const lines: string[] = [];
    const runtime: FunctionRuntime = {
      name: 'scaffold',
      env: { MAX_BYTES: '4' },
      log: createLogger('scaffold', { sink: (l) => lines.push(l) }),
      fetch: globalThis.fetch,
      now: () => 0,
      readSecret: () => '',
      gatewayUrl: 'http://127.0.0.1:8080',
    };
    const deps = await scaffold.setup(runtime);
    const handler = scaffold.createHandler(deps);
    const event = (method: string, body: string) => ({ method, body: Buffer.from(body), headers: {}, path: '/', query: {} });
    assert.deepEqual(await handler(event('POST', 'abc'), createContext()), { status: 200, headers: {}, body: { bytes: 3 } });
    const tooBig = await handler(event('POST', 'abcde'), createContext());
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.headers['x-rejected'], 'TOO_LARGE=1');
    assert.equal((await handler(event('GET', ''), createContext())).status, 400);
    await scaffold.teardown(deps);
  });
});

describe('stack.yml', () => {
  it('is a faas-cli v1.0 stack for the openfaas provider with our template and copy paths', () => {
    const s = stack();
    assert.equal(String(s.version), '1');
    assert.equal(s.provider.name, 'openfaas');
    assert.equal(s.provider.gateway, 'http://127.0.0.1:8080');
    assert.deepEqual(s.configuration.templates.map((t) => t.name), ['typescript-node']);
    assert.ok(existsSync(join(TEMPLATE, 'template.yml')), 'the template is local, so faas-cli pulls nothing');
    assert.deepEqual(s.configuration.copy, ['./core', './detectors', './sql']);
    for (const c of s.configuration.copy) assert.ok(existsSync(join(REPO, c)), `${c} exists`);
  });

  it('declares the four functions, built from their folders into ${REGISTRY}/<name>:${TAG}', () => {
    const s = stack();
    assert.deepEqual(Object.keys(s.functions), [...FUNCTIONS]);
    for (const name of FUNCTIONS) {
      const f = s.functions[name] as StackFn;
      assert.equal(f.lang, 'typescript-node', name);
      assert.equal(f.handler, `./functions/${name}`);
      assert.ok(existsSync(join(REPO, f.handler, 'package.json')));
      assert.equal(f.image, `\${REGISTRY:-ghcr.io/typedcluster}/${name}:\${TAG:-latest}`);
      // detect-anomaly holds TensorFlow.js.
      assert.equal(f.limits?.memory, name === 'detect-anomaly' ? '512Mi' : '128Mi', name);
      assert.ok(f.labels && Object.keys(f.labels).length > 0, `${name} has labels`);
    }
  });

  it('gives every function string env values, write_debug off and of-watchdog timeouts', () => {
    for (const [name, f] of Object.entries(stack().functions)) {
      const env = f.environment ?? {};
      for (const [k, v] of Object.entries(env)) assert.equal(typeof v, 'string', `${name}.${k} must be quoted`);
      assert.equal(env['write_debug'], 'false', name);
      assert.equal(env['FUNCTION_NAME'], name);
      for (const t of ['exec_timeout', 'read_timeout', 'write_timeout']) {
        assert.ok(parseDurationMs(String(env[t])) !== undefined, `${name}.${t}`);
      }
      // of-watchdog must be able to write the answer after the handler's time is up.
      assert.ok(parseDurationMs(String(env['write_timeout']))! > parseDurationMs(String(env['exec_timeout']))!, `${name}: write_timeout > exec_timeout`);
    }
  });

  it('wires secrets, GATEWAY_URL and the MQTT topics where the pipeline needs them', () => {
    const f = stack().functions;
    assert.deepEqual(f['ingest-binary']?.secrets ?? [], [], 'ingest-binary holds no secrets');
    assert.deepEqual(f['verify-and-decrypt']?.secrets, ['platform-kx-secret', 'database-url']);
    assert.deepEqual(f['store-reading']?.secrets, ['database-url', 'mqtt-store-reading-password']);
    assert.deepEqual(f['detect-anomaly']?.secrets, ['database-url', 'mqtt-detect-anomaly-password']);
    assert.equal(f['detect-anomaly']?.annotations?.['topic'], 'readings/+', 'triggered by the text stage store-reading publishes');
    assert.equal(f['ingest-binary']?.annotations?.['topic'], 'plc/+/cycle,sensor/+/reading');
    for (const caller of ['ingest-binary', 'verify-and-decrypt']) {
      assert.match(String(f[caller]?.environment?.['GATEWAY_URL']), /^\$\{GATEWAY_URL:-http:\/\/gateway\.openfaas:8080\}$/);
    }
  });
});

describe('build context model (what faas-cli build --shrinkwrap makes)', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'faas-model-'));
    copyRepoForBuild(REPO, work);
    const s = stack();
    for (const name of FUNCTIONS) createBuildContext(work, { name, ...(s.functions[name] as StackFn) }, s.configuration.copy);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const name of FUNCTIONS) {
    it(`build/${name}: template at the root, handler + core + sql under function/`, () => {
      const files = listFiles(join(work, 'build', name));
      for (const f of ['Dockerfile', 'template.yml', 'package.json', 'tsconfig.json', 'tsconfig.core.json', '.dockerignore', 'function/package.json', 'function/handler.ts', 'function/core/package.json', 'function/core/src/index.ts']) {
        assert.ok(files.includes(f), `${f} missing in build/${name}`);
      }
      assert.ok(files.some((f) => /^function\/sql\/.+\.sql$/.test(f)), 'migrations under function/sql');
      assert.ok(files.includes('function/detectors/src/index.ts'), 'detectors copied too (link-workspaces.mjs keeps it where the handler depends on it)');
      assert.ok(!files.some((f) => f.includes('node_modules/')), 'no installed modules in the context');
      assert.equal(readFileSync(join(work, 'build', name, 'function/package.json'), 'utf8'), read(`functions/${name}/package.json`));
    });
  }
});

describe('scripts/link-workspaces.mjs (the build stage\'s package selection)', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'faas-link-'));
    copyRepoForBuild(REPO, work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));
  const link = (name: string): string => {
    const s = stack();
    const ctx = createBuildContext(work, { name, ...(s.functions[name] as StackFn) }, s.configuration.copy);
    execFileSync(process.execPath, ['scripts/link-workspaces.mjs'], { cwd: ctx, stdio: 'pipe' });
    return ctx;
  };

  it('detect-anomaly gets detectors and core as workspaces, core compiled first', () => {
    const ctx = link('detect-anomaly');
    assert.deepEqual((JSON.parse(readFileSync(join(ctx, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces, ['function', 'core', 'detectors']);
    assert.equal(readFileSync(join(ctx, '.workspace-packages'), 'utf8'), 'core\ndetectors\n');
    for (const d of ['core/src/index.ts', 'detectors/src/index.ts', 'tsconfig.detectors.json']) assert.ok(existsSync(join(ctx, d)), d);
    assert.ok(listFiles(join(ctx, 'sql')).some((f) => f.endsWith('.sql')));
    assert.ok(!existsSync(join(ctx, 'function/core')) && !existsSync(join(ctx, 'function/detectors')) && !existsSync(join(ctx, 'function/sql')), 'lifted out of function/');
    const ts = JSON.parse(readFileSync(join(ctx, 'tsconfig.detectors.json'), 'utf8')) as { compilerOptions: Record<string, unknown>; include: string[] };
    assert.deepEqual([ts.compilerOptions['rootDir'], ts.compilerOptions['outDir'], ts.include], ['detectors/src', 'detectors/dist', ['detectors/src/**/*.ts']]);
  });

  for (const name of FUNCTIONS.filter((f) => f !== 'detect-anomaly')) {
    it(`${name} gets core only, as before: detectors is removed`, () => {
      const ctx = link(name);
      assert.deepEqual((JSON.parse(readFileSync(join(ctx, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces, ['function', 'core']);
      assert.equal(readFileSync(join(ctx, '.workspace-packages'), 'utf8'), 'core\n');
      assert.ok(!existsSync(join(ctx, 'detectors')) && !existsSync(join(ctx, 'function/detectors')));
      assert.ok(!existsSync(join(ctx, 'tsconfig.detectors.json')));
    });
  }
});
