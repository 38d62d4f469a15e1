import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createLogger, openOutbox, splitFrames, startTcpDeviceLink, type FrameOutcome } from '@typedcluster/core';
import type { InvocationOutcome } from '../http/invoke-function.js';
import { systemClock } from '../runtime/clock.js';
import type { UpstreamRequest } from '../runtime/forward-request.js';
import { readTcpListenerConfig, type TcpListenerConfig } from './tcp-config.js';
import { createTcpListener } from './tcp-listener.js';

/** Stands in for ingest-binary: answers a frames body with one outcome per frame (odd first byte: stored, even: REPLAY). */
function frameFunction(bodies: Buffer[]) {
  return async (_fn: string, req: UpstreamRequest): Promise<InvocationOutcome> => {
    bodies.push(req.body);
    const split = splitFrames(req.body);
    assert.ok(split.ok && !split.value.rest);
    const results: FrameOutcome[] = split.value.frames.map((f) => (f[0]! % 2 === 1 ? { ok: true, device: 1, seq: String(f[0]), type: 'reading' } : { ok: false, code: 'REPLAY', message: 'stored before' }));
    return { ok: true, status: 200, seconds: 0, response: { status: 200, headers: {}, body: Buffer.from(JSON.stringify({ accepted: 0, rejected: 0, results })) } };
  };
}

const quiet = createLogger('tcp', { sink: () => {} });

async function deliverThrough(config: TcpListenerConfig, tls?: { ca: string }) {
  const bodies: Buffer[] = [];
  const registry = new Registry();
  const listener = createTcpListener({ config, invoke: frameFunction(bodies), registry, log: quiet, clock: systemClock, maxBodyBytes: 1 << 20, drainMs: 1000 });
  const port = await listener.start();
  const dir = await mkdtemp(join(tmpdir(), 'tcp-listener-'));
  const outbox = await openOutbox(dir, { fsync: false });
  try {
    for (let i = 1; i <= 20; i++) await outbox.append(new Uint8Array([i, 0, 0]));
    const link = startTcpDeviceLink({ host: '127.0.0.1', port, outbox, ...(tls ? { tls: { ca: tls.ca, servername: 'localhost' } } : {}) });
    assert.equal(await link.drained(10_000), true, JSON.stringify(link.stats));
    const stats = link.stats;
    await link.close();
    return { stats, bodies, metrics: await registry.metrics() };
  } finally {
    await listener.stop();
    await outbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('TCP listener on a loopback port', function () {
  this.timeout(30_000);
  const base = readTcpListenerConfig({ TCP_PORT: '0', TCP_BATCH_WAIT: '20ms' }, { readSecret: () => undefined })!;

  it('feeds the function frames bodies and answers every frame (plain TCP)', async () => {
    const { stats, bodies, metrics } = await deliverThrough(base);
    assert.deepEqual([stats.stored, stats.duplicates, stats.refused], [10, 10, 0]);
    assert.ok(bodies.length < 20, `frames shared invocations (${bodies.length} for 20 frames)`);
    assert.match(metrics, /typedcluster_tcp_frames_total 20\b/);
    assert.match(metrics, /typedcluster_tcp_acks_total\{outcome="duplicate",code="REPLAY"\} 10\b/);
    assert.match(metrics, /typedcluster_tcp_connections_total\{outcome="plain"\} 1\b/);
  });

  it('survives refused peers that reset the connection (CLOSING TOO_MANY_CONNECTIONS, no crash)', async () => {
    const registry = new Registry();
    const listener = createTcpListener({ config: { ...base, maxConnections: 1 }, invoke: frameFunction([]), registry, log: quiet, clock: systemClock, maxBodyBytes: 1 << 20, drainMs: 1000 });
    const port = await listener.start();
    const first = connect(port, '127.0.0.1');
    try {
      while (listener.connections < 1) await new Promise((r) => setTimeout(r, 5));
      for (let i = 0; i < 5; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        s.resetAndDestroy(); // RST: without an error listener on the refused socket, ECONNRESET was uncaught
      }
      while (!/connections_total\{outcome="TOO_MANY_CONNECTIONS"\} 5\b/.test(await registry.metrics())) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100)); // room for the resets to reach the refused sockets (they crashed the process within ms)
      assert.equal(listener.connections, 1);
    } finally {
      first.destroy();
      await listener.stop();
    }
  });

  it('speaks TLS when given a certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcp-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const key = readFileSync(join(dir, 'key.pem'), 'utf8');
      const { stats, metrics } = await deliverThrough({ ...base, tls: { cert, key } }, { ca: cert });
      assert.deepEqual([stats.stored, stats.duplicates], [10, 10]);
      assert.match(metrics, /typedcluster_tcp_connections_total\{outcome="tls"\} 1\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
