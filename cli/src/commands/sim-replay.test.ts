import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'mqtt';
import { startPlainBroker } from '../../../core/src/testing/plain-broker.js';
import {
  decodeFrame,
  decodePayload,
  freePort,
  generateHistoricalRows,
  identityKeypairFromSeed,
  kxKeypairFromSeed,
  openData,
  serializeCredentials,
  serverSessionKey,
  sodiumReady,
  verifySession,
  writeHistoricalDataset,
  type DeviceCredentials,
  type Frame,
  type HistoricalRow,
} from '@typedcluster/core';
import { recordingIo } from '../cli-test-io.js';
import { runSim } from '../sim/run-sim.js';

describe('typedcluster sim --replay against a real broker @integration', function () {
  this.timeout(60_000);
  const cleanup: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
  });

  it('publishes every non-silent cycle of a data set once, as the frames of the real-time mode, values in the order the phases ran', async () => {
    await sodiumReady();
    const home = await mkdtemp(join(tmpdir(), 'tc-replay-'));
    cleanup.push(() => rm(home, { recursive: true, force: true }));
    const platform = kxKeypairFromSeed(new Uint8Array(32).fill(9));
    const device = (id: number, name: string): DeviceCredentials => {
      const k = identityKeypairFromSeed(new Uint8Array(32).fill(id));
      return { version: 1, deviceId: id, name, identitySecretKey: k.secretKey, identityPublicKey: k.publicKey, platformPublicKey: platform.publicKey, mqttPassword: `pw-${name}-0123456789abcdef` };
    };
    const creds = new Map([[71, device(71, 'sim-plc-1')], [72, device(72, 'sim-plc-2')]]);
    await mkdir(join(home, 'devices'), { recursive: true });
    for (const c of creds.values()) await writeFile(join(home, 'devices', `${c.name}.json`), serializeCredentials(c), { mode: 0o600 });

    // An hour of 2 PLCs at temperature 1: silent cycles and swapped phases among them.
    const opts = { plcs: 2, from: Date.UTC(2026, 0, 1, 23, 30), to: Date.UTC(2026, 0, 2, 0, 30), temperature: 1, seed: 11 };
    await writeHistoricalDataset({ ...opts, out: join(home, 'data') });
    const rows = [...generateHistoricalRows(opts)];
    assert.ok(rows.some((r) => r.anomaly_type === 'silent') && rows.some((r) => r.anomaly_type === 'phase-out-of-order'), 'the data set covers the kinds replay treats specially');

    const port = await freePort();
    const broker = await startPlainBroker(port);
    cleanup.push(() => broker.kill());
    const got: Array<{ topic: string; frame: Frame }> = [];
    const sub = connect(`mqtt://127.0.0.1:${port}`, { clientId: 'replay-test', reconnectPeriod: 0 });
    cleanup.push(() => sub.endAsync(true));
    sub.on('message', (topic, payload) => {
      const f = decodeFrame(new Uint8Array(payload));
      assert.ok(f.ok);
      got.push({ topic, frame: f.value });
    });
    await new Promise<void>((resolve, reject) => sub.once('connect', () => sub.subscribe('plc/+/cycle', { qos: 1 }, (e) => (e ? reject(e) : resolve()))));

    const io = recordingIo({ TYPEDCLUSTER_HOME: home }, home);
    const flags = { plcs: '3', temperature: '0.1', speed: '100000', stream: 'cycle', 'outbox-max-mb': '16', 'mqtt-url': `mqtt://127.0.0.1:${port}`, replay: 'data' };
    assert.equal(await runSim(flags, io, new AbortController().signal), 0, io.errLines.join('\n'));
    assert.match(io.outLines[0]!, /^replaying 2 files \(2 PLCs as sim-plc-1…\)/);

    const expected = new Map<number, HistoricalRow[][]>(); // device id → its non-silent cycles' rows
    for (const [plc, id] of [[1, 71], [2, 72]] as const) {
      const mine = rows.filter((r) => r.plc === plc);
      const cycles: HistoricalRow[][] = [];
      for (let i = 0; i < mine.length; i += 5) if (mine[i]!.s1 !== null) cycles.push(mine.slice(i, i + 5));
      expected.set(id, cycles);
    }
    const deadline = Date.now() + 10_000;
    const total = [...expected.values()].reduce((n, c) => n + c.length + 1, 0);
    while (got.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, total, 'one SESSION frame and one frame per non-silent cycle, per PLC');
    for (const [id, cycles] of expected) {
      const frames = got.filter((g) => g.topic === `plc/${id}/cycle`).map((g) => g.frame);
      const c = creds.get(id)!;
      const session = frames[0]!;
      assert.equal(session.type, 'session');
      const v = verifySession(session, c.identityPublicKey);
      assert.ok(v.ok);
      const key = serverSessionKey(platform, v.value.ephemeralPublicKey);
      assert.ok(key.ok);
      const opened = frames.slice(1).map((f) => {
        const plain = openData(f, key.value);
        assert.ok(plain.ok);
        const p = decodePayload('cycle', id, plain.value);
        assert.ok(p.ok && p.value.type === 'cycle');
        return p.value;
      });
      assert.deepEqual(opened.map((p) => p.cycleStart), cycles.map((rs) => Date.parse(rs[0]!.timestamp)));
      assert.deepEqual(opened.map((p) => p.cycle), cycles.map((rs) => rs[0]!.cycle));
      assert.deepEqual(opened.map((p) => p.phases.map((r) => [...r])), cycles.map((rs) => rs.map((r) => [r.s1, r.s2, r.s3, r.s4, r.s5].map((x) => Math.fround(x!)))));
    }
  });
});
