import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openOutbox, type Outbox } from './outbox.js';
import { encodeAck, type AckOutcome, type AckRecord } from './tcp-ack.js';
import { startTcpDeviceLink } from './tcp-device-link.js';
import { createStreamReader, prefixedRecord } from './tcp-stream-reader.js';

/** A stand-in gateway on a loopback port: answers each frame as `answer(connection, frameNumber, frame)` says. */
async function fakeGateway(answer: (conn: number, n: number, frame: Uint8Array) => { outcome: AckOutcome; code: string }) {
  const received: Uint8Array[][] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    const conn = received.length;
    const frames: Uint8Array[] = [];
    received.push(frames);
    sockets.push(s);
    const reader = createStreamReader(1024);
    s.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk).records) {
        const n = frames.length;
        frames.push(f);
        const a = answer(conn, n, f);
        s.write(prefixedRecord(encodeAck({ ...a, frameNumber: n, deviceId: 1, seq: BigInt(f[0]!) })));
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('TCP device link (wire-format §6.4.4)', () => {
  let dir: string;
  let outbox: Outbox;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tcp-link-'));
    outbox = await openOutbox(dir, { fsync: false });
  });
  afterEach(async () => {
    await outbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops STORED and REFUSED frames, reconnects on RETRY and resends from the retried frame', async () => {
    const gw = await fakeGateway((conn, n) => {
      if (conn === 0 && n === 1) return { outcome: 'refused', code: 'BAD_PAYLOAD' };
      if (conn === 0 && n === 2) return { outcome: 'retry', code: 'FUNCTION_UNAVAILABLE' };
      return { outcome: 'stored', code: '' };
    });
    for (const b of [10, 11, 12, 13]) assert.ok((await outbox.append(new Uint8Array([b, b]))).ok);
    const refused: Array<[AckRecord, number]> = [];
    const link = startTcpDeviceLink({ host: '127.0.0.1', port: gw.port, outbox, maxInFlight: 3, backoff: { minMs: 5, maxMs: 20 }, onRefused: (a, f) => refused.push([a, f[0]!]) });
    try {
      assert.equal(await link.drained(10_000), true);
      assert.deepEqual(gw.received.map((frames) => frames.map((f) => f[0])), [[10, 11, 12], [12, 13]]);
      assert.deepEqual(refused.map(([a, f]) => [a.code, a.frameNumber, f]), [['BAD_PAYLOAD', 1, 11]]);
      const { stored, refused: r, retries, disconnects } = link.stats;
      assert.deepEqual({ stored, r, retries, disconnects }, { stored: 3, r: 1, retries: 1, disconnects: 1 });
    } finally {
      await link.close();
      await gw.close();
    }
  });

  it('after CLOSING reconnects and resends what was unanswered; notify() sends frames appended later', async () => {
    // First connection: answers frame 0, then closes (as on shutdown) instead of answering frame 1.
    const gw = await fakeGateway((conn, n) => (conn === 0 && n === 1 ? { outcome: 'closing', code: 'SHUTTING_DOWN' } : { outcome: 'stored', code: '' }));
    for (const b of [1, 2]) await outbox.append(new Uint8Array([b]));
    const link = startTcpDeviceLink({ host: '127.0.0.1', port: gw.port, outbox, backoff: { minMs: 5, maxMs: 20 } });
    try {
      assert.equal(await link.drained(10_000), true);
      assert.deepEqual(gw.received.map((frames) => frames.map((f) => f[0])), [[1, 2], [2]]);
      await outbox.append(new Uint8Array([3]));
      link.notify();
      assert.equal(await link.drained(10_000), true);
      assert.equal(link.stats.stored, 3);
      assert.deepEqual(gw.received.flat().map((f) => f[0]).filter((b) => b === 3), [3]);
    } finally {
      await link.close();
      await gw.close();
    }
  });
});
