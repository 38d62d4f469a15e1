import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeFrame,
  FRAMES_CONTENT_TYPE,
  generateIdentityKeypair,
  generateKxKeypair,
  MAX_BATCH_SIZE,
  sodiumReady,
  splitFrames,
  systemRandom,
  type DeviceCredentials,
} from '@typedcluster/core';
import { generateLoad, type LoadFile } from '../load-tests/generate-frames.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function fakeDevice(deviceId: number): DeviceCredentials {
  const id = generateIdentityKeypair(systemRandom);
  return {
    version: 1,
    deviceId,
    name: `load-${deviceId}`,
    identitySecretKey: id.secretKey,
    identityPublicKey: id.publicKey,
    platformPublicKey: generateKxKeypair(systemRandom).publicKey,
  };
}

/** Frames of one body, decoded; throws on anything the platform's framing check would reject. */
function framesOf(b64: string) {
  const split = splitFrames(new Uint8Array(Buffer.from(b64, 'base64')));
  assert.ok(split.ok && !split.value.rest, 'body splits cleanly');
  return split.value.frames.map((f) => {
    const d = decodeFrame(f);
    assert.ok(d.ok, 'frame decodes');
    return d.value;
  });
}

describe('load-tests/generate-frames.ts', () => {
  let load: LoadFile;
  before(async () => {
    await sodiumReady();
    load = generateLoad({ credentials: [fakeDevice(1), fakeDevice(2)], requests: 4, framesPerRequest: 5, cycleEvery: 3, random: systemRandom, now: Date.now });
  });

  it('writes one stream per device, bodies in the batch content type, each within the batch limit', () => {
    assert.equal(load.format, 'typedcluster-load-frames/1');
    assert.equal(load.contentType, FRAMES_CONTENT_TYPE);
    assert.deepEqual(load.devices.map((d) => [d.deviceId, d.requests.length]), [[1, 4], [2, 4]]);
    for (const d of load.devices) for (const r of d.requests) assert.ok(Buffer.from(r, 'base64').length <= MAX_BATCH_SIZE);
  });

  it('opens each device with a SESSION frame, then only strictly increasing seqs: every frame is sendable once', () => {
    for (const d of load.devices) {
      const frames = d.requests.flatMap(framesOf);
      assert.equal(frames.length, 4 * 5);
      assert.equal(frames[0]?.type, 'session');
      assert.ok(frames.slice(1).every((f) => f.type !== 'session'));
      assert.ok(frames.some((f) => f.type === 'cycle') && frames.some((f) => f.type === 'reading'));
      for (let i = 1; i < frames.length; i += 1) assert.ok(frames[i]!.seq > frames[i - 1]!.seq, 'seq increases');
      assert.ok(frames.every((f) => f.deviceId === d.deviceId));
    }
    const all = load.devices.flatMap((d) => d.requests);
    assert.equal(new Set(all).size, all.length, 'no body repeats');
  });
});

/**
 * The k6 script against a stand-in for the gateway on 127.0.0.1 that
 * checks framing and per-device seq order and answers like ingest-binary.
 * Bounded: 2 devices × 5 requests. k6 is built once by scripts/ensure-k6.sh.
 */
describe('load-tests/ingest.js under k6 @integration', function () {
  this.timeout(20 * 60_000);
  let k6 = '';
  let tmp = '';
  let server: Server | undefined;
  const seen: { device: number; seq: bigint; type: string }[] = [];

  before(async function () {
    const r = spawnSync('bash', [join(REPO, 'scripts/ensure-k6.sh')], { encoding: 'utf8', timeout: 15 * 60_000 });
    if (r.status !== 0) throw new Error(`k6 is not available (scripts/ensure-k6.sh exited ${r.status ?? r.signal}):\n${r.stderr.trim()}`);
    k6 = r.stdout.trim().split('\n').pop() ?? '';
    await sodiumReady();
    tmp = mkdtempSync(join(tmpdir(), 'k6-'));
    const load = generateLoad({ credentials: [fakeDevice(1), fakeDevice(2)], requests: 5, framesPerRequest: 4, cycleEvery: 2, random: systemRandom, now: Date.now });
    writeFileSync(join(tmp, 'frames.json'), JSON.stringify(load));
    const last = new Map<number, bigint>();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ok = req.method === 'POST' && req.url === '/function/ingest-binary' && req.headers['content-type'] === FRAMES_CONTENT_TYPE;
        const results = ok
          ? framesOf(Buffer.concat(chunks).toString('base64')).map((f) => {
              const fresh = f.seq > (last.get(f.deviceId) ?? -1n);
              last.set(f.deviceId, f.seq);
              seen.push({ device: f.deviceId, seq: f.seq, type: f.type });
              return fresh ? { ok: true } : { ok: false, code: 'REPLAY' };
            })
          : [];
        const accepted = results.filter((x) => x.ok).length;
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted, rejected: results.length - accepted, results }));
      });
    });
    await new Promise<void>((ok) => server?.listen(0, '127.0.0.1', ok));
  });

  after(() => {
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('sends every body once, in order per device, and passes its thresholds', async () => {
    const port = (server?.address() as AddressInfo).port;
    const args = ['run', '--quiet', '--no-usage-report', '-e', `GATEWAY=http://127.0.0.1:${port}`, '-e', `FRAMES=${join(tmp, 'frames.json')}`, '-e', 'MAX_DURATION=60s', join(REPO, 'load-tests/ingest.js')];
    // Async: the stand-in server runs in this process and must keep answering.
    const r = await new Promise<{ code: number | null; output: string }>((ok) => {
      const child = spawn(k6, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => ok({ code, output }));
    });
    assert.equal(r.code, 0, `k6 failed:\n${r.output}`);
    assert.equal(seen.length, 2 * 5 * 4, 'every frame arrived');
    assert.equal(seen.filter((s) => s.type === 'session').length, 2);
  });
});
