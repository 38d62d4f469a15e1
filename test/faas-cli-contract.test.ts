import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createDeviceSender, sodiumReady, systemRandom } from '@typedcluster/core';
import { basicAuth, FAAS_CLI_USER_AGENT, FUNCTION_STATUS, GATEWAY_INFO, goDecodeErrors } from './support/faas-cli-client.js';
import { REPO_ROOT, startTestPlatform, type TestPlatform } from './support/test-platform.js';

/**
 * faas-cli's side of the gateway API, without the binary (it cannot be
 * built here; test/faas-cli-gateway.test.ts runs the real one where it
 * can): each case replays the request faas-cli sends, as read in its
 * source, against the real gateway running the real stack.yml over a real
 * port, and checks the answer the way faas-cli handles it — the status
 * codes it accepts and json.Unmarshal into its Go types.
 */

const STACK_FUNCTIONS = ['detect-anomaly', 'ingest-binary', 'store-reading', 'verify-and-decrypt'];
const INGEST_IMAGE = 'ghcr.io/typedcluster/ingest-binary:latest'; // stack.yml with REGISTRY and TAG unset

type Json = Record<string, unknown>;

describe('faas-cli contract: its requests replayed against the gateway and stack.yml @integration', function () {
  this.timeout(120_000);
  let tp: TestPlatform;
  let base = '';
  let auth = '';

  // faas-cli proxy/client.go newRequest: gateway URL + path (+ query), basic auth
  // from the saved config, Content-Type: application/json when there is a body.
  const sys = (method: string, path: string, body?: unknown, authorization: string | null = auth) =>
    fetch(base + path, {
      method,
      headers: { ...(authorization ? { authorization } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  // go-sdk functions.go InvokeFunction: {gateway}/function/{name}.{namespace}, the
  // namespace defaulting to openfaas-fn; no credentials (authenticate=false).
  const invoke = (path: string, body: Uint8Array | string, contentType = 'application/octet-stream', headers: Record<string, string> = {}) =>
    fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': contentType, 'user-agent': FAAS_CLI_USER_AGENT, ...headers }, body });
  const listFunctions = async () => (await (await sys('GET', '/system/functions')).json()) as Json[];
  const ingestCount = async () => (await listFunctions()).find((f) => f['name'] === 'ingest-binary')?.['invocationCount'];

  before(async () => {
    await sodiumReady();
    tp = await startTestPlatform();
    base = tp.platform.gateway.url;
    auth = basicAuth(tp.platform.secrets.basicAuthUser, tp.platform.secrets.basicAuthPassword);
  });
  after(() => tp?.stop());

  describe('login', () => {
    // faas-cli commands/login.go validateLogin: GET {gateway}/system/functions with
    // basic auth; only 200 logs in.
    it('its probe, GET /system/functions with the credentials, is 200', async () => {
      assert.equal((await sys('GET', '/system/functions')).status, 200);
    });

    // validateLogin: 401 is "unable to login, either username or password is
    // incorrect"; proxy/*.go: 401 is "unauthorized access, run faas-cli login".
    it('every /system call faas-cli makes is 401 with WWW-Authenticate: Basic without or with wrong credentials', async () => {
      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/system/functions'],
        ['GET', '/system/function/ingest-binary'],
        ['GET', '/system/info'],
        ['GET', '/system/namespaces'],
        ['PUT', '/system/functions', { service: 'ingest-binary', image: INGEST_IMAGE }],
        ['POST', '/system/functions', { service: 'ingest-binary', image: INGEST_IMAGE }],
        ['DELETE', '/system/functions', { functionName: 'ingest-binary' }],
      ];
      const wrong = basicAuth(tp.platform.secrets.basicAuthUser, 'wrong-password');
      for (const [method, path, body] of calls) {
        for (const authorization of [null, wrong]) {
          const res = await sys(method, path, body, authorization);
          assert.equal(res.status, 401, `${method} ${path} ${authorization ? 'wrong password' : 'no credentials'}`);
          assert.match(res.headers.get('www-authenticate') ?? '', /^Basic\b/, `${method} ${path}`);
        }
      }
      assert.equal((await listFunctions()).length, STACK_FUNCTIONS.length, 'nothing was deployed or removed without credentials');
    });
  });

  describe('list', () => {
    // faas-cli proxy/list.go ListFunctions: GET /system/functions, 200, json.Unmarshal
    // into []types.FunctionStatus; commands/list.go prints Name, InvocationCount,
    // Replicas, and with -v Image and CreatedAt (a time.Time).
    it('GET /system/functions decodes as []types.FunctionStatus, one per stack.yml function', async () => {
      const res = await sys('GET', '/system/functions');
      assert.equal(res.status, 200);
      const list = (await res.json()) as unknown;
      assert.ok(Array.isArray(list), 'a JSON array');
      assert.deepEqual(list.flatMap((f, i) => goDecodeErrors(f, FUNCTION_STATUS, `$[${i}]`)), []);
      const fns = list as Json[];
      assert.deepEqual(fns.map((f) => f['name']).sort(), STACK_FUNCTIONS);
      for (const f of fns) {
        assert.equal(f['replicas'], 1, `${f['name']} replicas`);
        assert.equal(typeof f['invocationCount'], 'number', `${f['name']} invocationCount`);
        assert.equal(f['image'], `ghcr.io/typedcluster/${String(f['name'])}:latest`);
        // The zero time.Time (field missing) would print as 0001-01-01 in list -v.
        const created = Date.parse(String(f['createdAt']));
        assert.ok(created > Date.now() - 10 * 60_000 && created <= Date.now(), `${f['name']} createdAt ${String(f['createdAt'])}`);
      }
    });

    // list -n: proxy/list.go adds ?namespace=…
    it('with -n openfaas-fn (?namespace=openfaas-fn) is the same list', async () => {
      const res = await sys('GET', '/system/functions?namespace=openfaas-fn');
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as Json[]).map((f) => f['name']).sort(), STACK_FUNCTIONS);
    });
  });

  describe('describe', () => {
    // faas-cli proxy/describe.go GetFunctionInfo: GET /system/function/{name}, 200 into
    // types.FunctionStatus. commands/describe.go prints Status "Ready" when
    // AvailableReplicas > 0, Replicas, Image, EnvProcess ("Function Process"), and
    // dereferences *Labels and *Annotations: a null or missing one would crash it.
    it('GET /system/function/ingest-binary decodes as types.FunctionStatus with what describe prints', async () => {
      const res = await sys('GET', '/system/function/ingest-binary');
      assert.equal(res.status, 200);
      const f = (await res.json()) as Json;
      assert.deepEqual(goDecodeErrors(f, FUNCTION_STATUS), []);
      assert.equal(f['name'], 'ingest-binary');
      assert.equal(f['image'], INGEST_IMAGE);
      assert.ok((f['availableReplicas'] as number) > 0, 'Status: Ready');
      assert.equal(f['replicas'], 1);
      assert.match(String(f['envProcess']), /index\.ts$/, 'Function Process');
      assert.equal((f['labels'] as Json | null)?.['com.typedcluster.stage'], 'ingest');
      assert.equal((f['annotations'] as Json | null)?.['topic'], 'plc/+/cycle,sensor/+/reading');
      assert.equal((f['envVars'] as Json)['FUNCTION_NAME'], 'ingest-binary');
      assert.deepEqual([f['limits'], f['requests']], [{ memory: '128Mi' }, { memory: '64Mi' }]);
    });

    // describe -n: proxy/describe.go adds ?namespace=…
    it('with -n openfaas-fn (?namespace=openfaas-fn) is the same function', async () => {
      const res = await sys('GET', '/system/function/ingest-binary?namespace=openfaas-fn');
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as Json)['name'], 'ingest-binary');
    });

    // proxy/describe.go: 404 is "No such function: {name}".
    it('an unknown function is 404', async () => {
      assert.equal((await sys('GET', '/system/function/no-such-fn')).status, 404);
    });
  });

  describe('invoke', () => {
    // commands/invoke.go runInvoke: any status outside 2xx is an error
    // "server returned unexpected status code: {status} - {body}", exit 1.
    it('a bad frame (--content-type application/octet-stream) is 400 with BAD_MAGIC in the body faas-cli prints', async () => {
      const res = await invoke('function/ingest-binary.openfaas-fn', 'not a frame');
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as Json)['code'], 'BAD_MAGIC');
    });

    // runInvoke: a 2xx body is copied to stdout.
    it('a session frame then a reading from a provisioned device are 200 {ok: true} each', async () => {
      const sender = createDeviceSender({ credentials: await tp.provision('cli-contract'), random: systemRandom, now: Date.now });
      for (const [type, frame] of [
        ['session', sender.sessionFrame()],
        ['reading', sender.readingFrame({ ts: Date.now(), temperature: 21.5, pressure: 101, humidity: 40 })],
      ] as const) {
        const res = await invoke('function/ingest-binary.openfaas-fn', frame);
        assert.equal(res.status, 200, type);
        assert.deepEqual([((await res.json()) as Json)['ok'], type], [true, type]);
      }
    });

    // commands/describe.go prints Invocations from ListFunctions' entry, not from
    // GetFunctionInfo: the list must count invocations made the faas-cli way.
    it('counts an invocation of name.openfaas-fn in the list’s invocationCount', async () => {
      const before = await ingestCount();
      await (await invoke('function/ingest-binary.openfaas-fn', 'x')).arrayBuffer();
      assert.equal(await ingestCount(), (before as number) + 1);
    });

    // invoke.go: --content-type defaults to text/plain.
    it('faas-cli’s default Content-Type text/plain is refused by ingest-binary with 415 (pass --content-type)', async () => {
      const res = await invoke('function/ingest-binary.openfaas-fn', 'not a frame', 'text/plain');
      assert.equal(res.status, 415);
      assert.equal(((await res.json()) as Json)['code'], 'UNSUPPORTED_MEDIA_TYPE');
    });

    // invoke --async -H X-Callback-Url=…: go-sdk posts to /async-function/{name}.{ns};
    // runInvoke prints "Function submitted asynchronously." on 202.
    it('--async with -H X-Callback-Url is 202, then the result is POSTed to the callback', async () => {
      let resolveCallback: (v: { headers: IncomingHttpHeaders; body: string }) => void = () => undefined;
      const got = new Promise<{ headers: IncomingHttpHeaders; body: string }>((r) => (resolveCallback = r));
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          res.end();
          resolveCallback({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const callback = `http://127.0.0.1:${(server.address() as AddressInfo).port}/done`;
        const res = await invoke('async-function/ingest-binary.openfaas-fn', 'not a frame', 'application/octet-stream', { 'x-callback-url': callback });
        assert.equal(res.status, 202);
        const callId = res.headers.get('x-call-id');
        assert.ok(callId, 'X-Call-Id');
        const cb = await got;
        assert.deepEqual([cb.headers['x-call-id'], cb.headers['x-function-status']], [callId, '400']);
        assert.equal((JSON.parse(cb.body) as Json)['code'], 'BAD_MAGIC');
      } finally {
        server.close();
      }
    });
  });

  describe('deploy and remove', () => {
    // faas-cli proxy/deploy.go DeployFunction: PUT /system/functions first (--update
    // defaults to true), POST only on 404; commands/deploy.go badStatusCode: only 200
    // and 202 are success. The body is types.FunctionDeployment as `deploy -f
    // stack.yml` builds it: namespace from getNamespace (openfaas-fn), envProcess
    // from template.yml's fprocess, the stack's env with ${…} substituted.
    it('deploy -f stack.yml: PUT of ingest-binary is 202 and it keeps serving valid frames', async () => {
      const res = await sys('PUT', '/system/functions', stackDeployment('ingest-binary'));
      assert.equal(res.status, 202, await res.text());
      const sender = createDeviceSender({ credentials: await tp.provision('cli-redeploy'), random: systemRandom, now: Date.now });
      const answer = await invoke('function/ingest-binary.openfaas-fn', sender.sessionFrame());
      assert.equal(answer.status, 200, 'the redeployed function still reaches verify-and-decrypt');
      assert.equal(((await (await sys('GET', '/system/function/ingest-binary')).json()) as Json)['image'], INGEST_IMAGE);
    });

    // `faas-cli deploy --image … --name ingest-copy --label …` (deployImage): PUT is
    // 404 for a new name, so DeployFunction falls back to POST, which must be 200/202.
    // Go omits the empty fields (omitempty), keeps the non-nil empty annotations map.
    it('a new function: PUT is 404, the POST faas-cli falls back to is 202, then it is listed and answers', async () => {
      const body = { service: 'ingest-copy', image: 'ghcr.io/typedcluster/ingest-binary:copy', labels: { 'com.typedcluster.handler': 'ingest-binary' }, annotations: {} };
      assert.equal((await sys('PUT', '/system/functions', body)).status, 404);
      const post = await sys('POST', '/system/functions', body);
      assert.equal(post.status, 202, await post.text());
      const listed = (await listFunctions()).find((f) => f['name'] === 'ingest-copy');
      assert.deepEqual([listed?.['image'], listed?.['replicas']], [body.image, 1]);
      const res = await invoke('function/ingest-copy.openfaas-fn', 'not a frame');
      assert.deepEqual([res.status, ((await res.json()) as Json)['code']], [400, 'BAD_MAGIC']);
    });

    // faas-cli proxy/delete.go DeleteFunction: DELETE /system/functions with
    // {"functionName": …} (?namespace=… from `remove -f stack.yml`); 200/201/202 is
    // "Removing old function.", 404 is "No existing function to remove".
    it('remove: DELETE {functionName} is 202, then the function is gone and a second DELETE is 404', async () => {
      assert.equal((await sys('DELETE', '/system/functions', { functionName: 'ingest-copy' })).status, 202);
      assert.equal((await sys('GET', '/system/function/ingest-copy')).status, 404);
      assert.deepEqual((await listFunctions()).map((f) => f['name']).sort(), STACK_FUNCTIONS);
      assert.equal((await sys('DELETE', '/system/functions?namespace=openfaas-fn', { functionName: 'ingest-copy' })).status, 404);
    });
  });

  // faas-cli proxy/namespaces.go ListNamespaces: GET /system/namespaces, 200 into []string.
  it('namespaces: GET /system/namespaces is a []string holding openfaas-fn', async () => {
    const res = await sys('GET', '/system/namespaces');
    assert.equal(res.status, 200);
    const ns = (await res.json()) as unknown;
    assert.deepEqual(goDecodeErrors(ns, { slice: 'string' }), []);
    assert.ok(Array.isArray(ns) && ns.includes('openfaas-fn'));
  });

  // faas-cli proxy/version.go GetSystemInfo: GET /system/info into faas/gateway
  // types.GatewayInfo; commands/version.go printServerVersions dereferences
  // Version and Provider (and Provider.Version): each must be an object.
  it('version: GET /system/info decodes as types.GatewayInfo with the fields faas-cli version prints', async () => {
    const res = await sys('GET', '/system/info');
    assert.equal(res.status, 200);
    const info = (await res.json()) as { provider?: { provider?: unknown; orchestration?: unknown; version?: { release?: unknown } }; version?: { release?: unknown; sha?: unknown } };
    assert.deepEqual(goDecodeErrors(info, GATEWAY_INFO), []);
    assert.equal(info.provider?.provider, 'typedcluster-gateway');
    assert.equal(typeof info.provider?.orchestration, 'string');
    assert.equal(typeof info.provider?.version?.release, 'string');
    assert.equal(typeof info.version?.release, 'string');
    assert.equal(typeof info.version?.sha, 'string');
  });

  it('/system/info lists what the running functions declare: detect-anomaly\'s TensorFlow.js backend', async () => {
    const info = (await (await sys('GET', '/system/info')).json()) as { functions?: Record<string, Record<string, unknown>> };
    const detect = info.functions?.['detect-anomaly'];
    assert.ok(detect, JSON.stringify(info.functions));
    assert.ok(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'].includes(String(detect['tfBackend'])), String(detect['tfBackend']));
    assert.equal(detect['model'], 'phase-range (default)');
    assert.deepEqual(info.functions?.['ingest-binary'], {}, 'a function without info() declares nothing');
  });
});

interface StackFn {
  image: string;
  environment?: Record<string, string>;
  secrets?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

/** The FunctionDeployment `faas-cli deploy -f stack.yml` sends for one function, with REGISTRY, TAG and GATEWAY_URL unset. */
function stackDeployment(name: string): Json {
  const text = readFileSync(join(REPO_ROOT, 'stack.yml'), 'utf8').replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}/g, '$1');
  const fn = (parse(text) as { functions: Record<string, StackFn> }).functions[name];
  assert.ok(fn, `${name} in stack.yml`);
  const fprocess = /^fprocess:\s*(.+)$/m.exec(readFileSync(join(REPO_ROOT, 'template/typescript-node/template.yml'), 'utf8'))?.[1];
  return {
    service: name,
    image: fn.image,
    namespace: 'openfaas-fn',
    envProcess: fprocess,
    envVars: fn.environment,
    secrets: fn.secrets,
    labels: fn.labels ?? {},
    annotations: fn.annotations ?? {},
    limits: fn.limits,
    requests: fn.requests,
  };
}
