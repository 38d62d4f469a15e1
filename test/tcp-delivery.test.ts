import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDeviceSender,
  createStreamReader,
  decodeAck,
  openOutbox,
  prefixedRecord,
  startTcpDeviceLink,
  systemRandom,
  type AckRecord,
  type Outbox,
} from '@typedcluster/core';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const T0 = Date.UTC(2026, 10, 21, 6);
const N = 400;

/** Sends raw bytes on a fresh connection and collects the ack records until the gateway closes it. */
async function rawExchange(port: number, bytes: Uint8Array, expect: number): Promise<AckRecord[]> {
  const s = connect({ host: '127.0.0.1', port });
  const reader = createStreamReader(1024);
  const acks: AckRecord[] = [];
  return new Promise((resolve, reject) => {
    s.on('error', reject);
    s.on('data', (chunk: Buffer) => {
      for (const r of reader.push(chunk).records) {
        const a = decodeAck(r);
        if (!a.ok) return reject(new Error(a.error.message));
        acks.push(a.value);
      }
      if (acks.length >= expect) s.end();
    });
    s.on('close', () => resolve(acks));
    s.write(bytes);
  });
}

describe('TCP transport: device link → gateway TCP listener → functions → PostgreSQL @integration', function () {
  this.timeout(180_000);
  let tp: TestPlatform;
  let dir: string;
  let outbox: Outbox | undefined;
  let port: number;

  before(async () => {
    tp = await startTestPlatform();
    port = tp.platform.gateway.tcp!.port;
    dir = await mkdtemp(join(tmpdir(), 'tcp-outbox-'));
  });
  after(async () => {
    await outbox?.close();
    await rm(dir, { recursive: true, force: true });
    await tp?.stop();
  });

  it(`stores ${N} readings exactly once although the connection is cut twice mid-stream`, async () => {
    const credentials = await tp.provision('tcp-sensor');
    const sender = createDeviceSender({ credentials, random: systemRandom, now: () => T0 });
    outbox = await openOutbox(join(dir, 'tcp-sensor'), { fsync: false });
    assert.ok((await outbox.append(sender.sessionFrame())).ok);
    for (let i = 0; i < N; i++) {
      const r = await outbox.append(sender.readingFrame({ ts: T0 + i * 1000, temperature: 20 + (i % 40) * 0.25, pressure: 100, humidity: 50 }));
      assert.ok(r.ok);
    }

    const sockets: Socket[] = [];
    const link = startTcpDeviceLink({
      host: '127.0.0.1',
      port,
      outbox,
      maxInFlight: 32,
      backoff: { minMs: 20, maxMs: 100 },
      connect: (o) => {
        const s = connect({ host: o.host, port: o.port });
        sockets.push(s);
        return s;
      },
    });
    // Cut the live connection once a quarter and again once two thirds were answered.
    const cutsAt: number[] = [];
    const answered = () => link.stats.stored + link.stats.duplicates + link.stats.refused;
    const watcher = setInterval(() => {
      const next = [N / 4, (2 * N) / 3][cutsAt.length];
      if (next !== undefined && answered() >= next && link.stats.inFlight > 0) {
        cutsAt.push(answered());
        sockets.at(-1)!.destroy();
      }
    }, 1);
    try {
      assert.equal(await link.drained(120_000), true, `outbox drained (stats ${JSON.stringify(link.stats)})`);
    } finally {
      clearInterval(watcher);
      await link.close();
    }

    assert.equal(cutsAt.length, 2, 'both cuts happened mid-stream');
    assert.ok(cutsAt.every((n) => n < N + 1));
    assert.ok(sockets.length >= 3, 'the link reconnected after each cut');
    assert.equal(link.stats.refused, 0);
    assert.ok(link.stats.stored + link.stats.duplicates >= N + 1);
    const q = async (sql: string) => (await tp.database.db.query<{ n: string }>(sql, [credentials.deviceId])).rows[0]?.n;
    assert.equal(await q('SELECT count(*) AS n FROM readings WHERE device_id = $1'), String(N));
    assert.equal(await q('SELECT count(DISTINCT seq) AS n FROM readings WHERE device_id = $1'), String(N));
  });

  it('answers a bad frame REFUSED and goes on; a prefix over 1024 gets CLOSING TOO_LARGE after the earlier frames', async () => {
    const credentials = await tp.provision('tcp-garbage');
    const sender = createDeviceSender({ credentials, random: systemRandom, now: () => T0 });
    const session = sender.sessionFrame();
    const reading = sender.readingFrame({ ts: T0, temperature: 1, pressure: 2, humidity: 3 });
    const stream = Buffer.concat([prefixedRecord(session), prefixedRecord(new TextEncoder().encode('HTTP garbage')), prefixedRecord(reading), Buffer.from([0, 0, 0x10, 0])]);
    const acks = await rawExchange(port, stream, 4);
    assert.deepEqual(
      acks.map((a) => [a.frameNumber, a.outcome, a.deviceId, a.code]),
      [
        [0, 'stored', credentials.deviceId, ''],
        [1, 'refused', 0, 'BAD_MAGIC'],
        [2, 'stored', credentials.deviceId, ''],
        [3, 'closing', 0, 'TOO_LARGE'],
      ],
    );
    // The same frames again: delivered before, so DUPLICATE.
    const again = await rawExchange(port, Buffer.concat([prefixedRecord(session), prefixedRecord(reading)]), 2);
    assert.deepEqual(again.map((a) => [a.outcome, a.code]), [['duplicate', 'REPLAY'], ['duplicate', 'REPLAY']]);
    const metrics = await (await fetch(`${tp.platform.gateway.url}/metrics`)).text();
    assert.match(metrics, /typedcluster_tcp_protocol_errors_total\{reason="TOO_LARGE"\} 1\b/);
    assert.match(metrics, /typedcluster_tcp_acks_total\{outcome="refused",code="BAD_MAGIC"\} 1\b/);
  });
});
