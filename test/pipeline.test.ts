import assert from 'node:assert/strict';
import {
  createDeviceSender,
  deliverFrames,
  generateIdentityKeypair,
  isDelivered,
  sodiumReady,
  systemRandom,
  type DeviceCredentials,
} from '@typedcluster/core';
import { forgeReading, forgeSession, seededRandom } from './support/frame-forge.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const T0 = Date.UTC(2026, 10, 21, 6);
const phasesFor = (i: number) => Array.from({ length: 5 }, (_, p) => Array.from({ length: 5 }, (_, s) => p * 10 + s + (i % 8) * 0.25));

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
}

describe('pipeline: device → ingest-binary → verify-and-decrypt → store-reading → PostgreSQL @integration', function () {
  this.timeout(240_000);
  let tp: TestPlatform;
  const post = async (frame: Uint8Array): Promise<Answer> => {
    const res = await fetch(tp.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: frame });
    const body = (await res.json()) as { code?: string };
    return { status: res.status, code: body.code };
  };

  before(async () => {
    await sodiumReady();
    tp = await startTestPlatform();
  });
  after(() => tp?.stop());

  it('stores 5 devices × (100 readings + 100 cycles) exactly once, with one bad frame of every kind rejected by code', async () => {
    const devices: DeviceCredentials[] = [];
    for (const i of [1, 2, 3, 4, 5]) devices.push(await tp.provision(`press-${i}`)); // ids are allocated one at a time
    const forgeDevice = await tp.provision('forge');
    const random = seededRandom(42);
    const senders = devices.map((credentials) => createDeviceSender({ credentials, random, now: () => T0 }));
    const a = senders[0]!;

    // Device A's session and first reading go first: the REPLAY case resends that reading.
    assert.deepEqual(await post(a.sessionFrame()), { status: 200, code: undefined });
    const firstReading = a.readingFrame({ ts: T0, temperature: 20, pressure: 100, humidity: 50 });
    assert.equal((await post(firstReading)).status, 200);

    const bad = badFrames(devices[0]!, a, forgeDevice, firstReading, random);
    const badAnswers = new Map<string, Answer>();
    const sendBad = async () => {
      for (const [expected, frame] of bad) {
        badAnswers.set(expected, await post(frame));
        await new Promise((r) => setTimeout(r, 5)); // spread among the valid traffic
      }
    };
    const sendValid = async (d: number) => {
      const s = senders[d]!;
      if (d !== 0) assert.equal((await post(s.sessionFrame())).status, 200);
      for (let i = 0; i < 100; i++) {
        // Device A's reading 0 was sent before the others started.
        const r = d === 0 && i === 0 ? { status: 200, code: undefined } : await post(s.readingFrame({ ts: T0 + i * 1000, temperature: 20 + i * 0.25, pressure: 100 + d, humidity: 40 + (i % 10) }));
        const c = await post(s.cycleFrame({ cycleStart: T0 + i * 30_000, cycle: i, phases: phasesFor(i) }));
        assert.deepEqual([r, c], [{ status: 200, code: undefined }, { status: 200, code: undefined }], `device ${d} frame ${i}`);
      }
    };
    await Promise.all([sendBad(), ...devices.map((_, d) => sendValid(d))]);

    assert.deepEqual(badAnswers.get(OPENS_SESSION), { status: 200, code: undefined });
    badAnswers.delete(OPENS_SESSION);
    for (const [expected] of bad.filter(([e]) => e !== OPENS_SESSION)) {
      const got = badAnswers.get(expected);
      assert.equal(got?.code, expected, `bad frame expected ${expected}, got ${JSON.stringify(got)}`);
      assert.ok(got && got.status >= 400 && got.status < 500, `${expected} answered ${got?.status}`);
    }
    assert.equal(badAnswers.size, 17, 'every kind of bad frame was sent once');

    const ids = devices.map((d) => d.deviceId);
    const q = async (sql: string) => (await tp.database.db.query<{ n: string }>(sql, [ids])).rows[0]?.n;
    assert.equal(await q('SELECT count(*) AS n FROM readings WHERE device_id = ANY($1)'), '500');
    assert.equal(await q('SELECT count(DISTINCT (device_id, seq)) AS n FROM readings WHERE device_id = ANY($1)'), '500');
    assert.equal(await q('SELECT count(*) AS n FROM cycle_phases WHERE device_id = ANY($1)'), '2500');
    assert.equal(await q('SELECT count(DISTINCT (device_id, seq, phase)) AS n FROM cycle_phases WHERE device_id = ANY($1)'), '2500');
    // Values survive float32 → text → real: these are exactly representable.
    const sample = await tp.database.db.query<{ temperature: number; s3: number }>(
      `SELECT r.temperature, c.s3 FROM readings r JOIN cycle_phases c ON c.device_id = r.device_id
       WHERE r.device_id = $1 AND r.ts = $2 AND c.cycle_no = 7 AND c.phase = 4`, [ids[2], new Date(T0 + 7000)]);
    assert.deepEqual(sample.rows, [{ temperature: 21.75, s3: 32 + 7 * 0.25 }]);

    const metrics = await (await fetch(`${tp.platform.gateway.url}/metrics`)).text();
    for (const code of ['TRUNCATED', 'BAD_MAGIC', 'DECRYPT_FAILED', 'REPLAY', 'BAD_SIGNATURE']) {
      assert.match(metrics, new RegExp(`typedcluster_frames_rejected_total\\{[^}]*reason="${code}"[^}]*\\} 1\\b`), `metric for ${code}`);
    }
  });

  it('recovers when a function process is killed mid-stream: every frame stored once', async () => {
    const creds = await tp.provision('crash-test');
    const sender = createDeviceSender({ credentials: creds, random: systemRandom, now: () => T0 });
    const url = tp.ingestUrl;
    const first = await deliverFrames([sender.sessionFrame()], { fetch, url });
    assert.ok(first.outcomes.every(isDelivered));
    const batches = Array.from({ length: 60 }, (_, b) =>
      Array.from({ length: 5 }, (_, i) => sender.readingFrame({ ts: T0 + (b * 5 + i) * 1000, temperature: b, pressure: i, humidity: 1 })));

    const supervisor = tp.platform.gateway.supervisor;
    const pidBefore = supervisor.get('store-reading')?.pid;
    assert.ok(pidBefore, 'store-reading is running');
    let sent = 0;
    let retries = 0;
    const stream = async (lane: number) => {
      for (let b = lane; b < batches.length; b += 3) {
        const d = await deliverFrames(batches[b]!, { fetch, url, attempts: 40, backoffMs: 50 });
        retries += d.retries;
        assert.ok(d.outcomes.every(isDelivered), JSON.stringify(d.outcomes));
        if (++sent === 20) process.kill(pidBefore, 'SIGKILL');
      }
    };
    await Promise.all([stream(0), stream(1), stream(2)]);

    const n = await tp.database.db.query<{ n: string; d: string }>('SELECT count(*) AS n, count(DISTINCT seq) AS d FROM readings WHERE device_id = $1', [creds.deviceId]);
    assert.deepEqual(n.rows[0], { n: '300', d: '300' });
    const pidAfter = supervisor.get('store-reading')?.pid;
    assert.ok(pidAfter && pidAfter !== pidBefore, 'store-reading was restarted in a new process');
    const metrics = await (await fetch(`${tp.platform.gateway.url}/metrics`)).text();
    assert.match(metrics, /typedcluster_function_restarts_total\{[^}]*function_name="store-reading"[^}]*\} [1-9]/);
    tp.log.info('crash test', { retries });
  });
});

const OPENS_SESSION = 'opens-session';

/** One frame of every rejection kind, each with the code it must get (plus one valid set-up frame). */
function badFrames(a: DeviceCredentials, sender: ReturnType<typeof createDeviceSender>, forge: DeviceCredentials, stored: Uint8Array, random: (n: number) => Uint8Array): Array<[string, Uint8Array]> {
  const good = () => sender.readingFrame({ ts: T0, temperature: 1, pressure: 2, humidity: 3 });
  const patched = (f: (b: Uint8Array) => void) => {
    const b = good();
    f(b);
    return b;
  };
  const impostor = generateIdentityKeypair(random);
  const stranger = createDeviceSender({ credentials: { ...a, deviceId: 32000 }, random, now: () => T0 });
  const noSession = createDeviceSender({ credentials: a, random, now: () => T0, keyId: 0xdead, initialSeq: sender.nextSeq + 5000n });
  const liar = createDeviceSender({ credentials: { ...a, identitySecretKey: impostor.secretKey }, random, now: () => T0, initialSeq: sender.nextSeq + 6000n });
  // The forge device's frames are all hand-built; its session (key 7) is valid and opens the key the payload cases use.
  const session = forgeSession(forge, 7, 1n, random);
  return [
    ['TRUNCATED', good().subarray(0, 40)],
    ['TOO_LARGE', new Uint8Array(1100).fill(0x54)],
    ['BAD_MAGIC', patched((b) => (b[0] = 0x00))],
    ['BAD_VERSION', patched((b) => (b[2] = 2))],
    ['BAD_TYPE', patched((b) => (b[3] = 9))],
    ['BAD_LENGTH', Uint8Array.from([...good(), 0])],
    ['BAD_DEVICE_ID', patched((b) => ((b[4] = 0), (b[5] = 0)))],
    ['BAD_SEQ', patched((b) => (b[10]! |= 0x80))],
    ['UNKNOWN_DEVICE', stranger.sessionFrame()],
    ['UNKNOWN_KEY', noSession.readingFrame({ ts: T0, temperature: 1, pressure: 2, humidity: 3 })],
    ['BAD_SIGNATURE', liar.sessionFrame()],
    ['DECRYPT_FAILED', patched((b) => (b[b.length - 1]! ^= 0x01))],
    ['REPLAY', stored],
    ['BAD_SESSION_KEY', forgeSession(forge, 8, 2n, random, new Uint8Array(32)).frame],
    // A valid session of the forge device, needed by the two payload cases after it.
    [OPENS_SESSION, session.frame],
    ['BAD_PAYLOAD', forgeReading(forge, 7, 3n, session.tx, random, (p) => p.fill(0x7f, 2, 10))],
    ['DEVICE_MISMATCH', forgeReading(forge, 7, 4n, session.tx, random, (p) => ((p[0] = 0x7f), (p[1] = 0x00)))],
    ['KEY_ID_IN_USE', forgeSession(forge, 7, 5n, random).frame],
  ];
}
