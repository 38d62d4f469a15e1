import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createDatabase, createLogger, createTestDatabase, freePort, type Database, type TestDatabase } from '@typedcluster/core';
import { startBroker, type RunningBroker } from '@typedcluster/broker';
import { buildDatabaseGateway } from '../gateway/src/testing/gateway-harness.js';
import { runAlerts } from '../cli/src/commands/alerts.js';
import { recordingIo } from '../cli/src/cli-test-io.js';

const quiet = createLogger('test', { level: 'error' });
const until = async (what: string, ok: () => boolean, ms = 30_000) => {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/**
 * The alert client end to end: the real gateway's REST API (/api) over the
 * real embedded PostgreSQL, the real broker with the alert-client user, and
 * a webhook. The API is closed and restarted, and the client itself stopped
 * and restarted, between batches of rows; the alerts seen must be exactly
 * the expected set, each once.
 */
describe('alert client across API and client restarts @integration', function () {
  this.timeout(120_000);
  let t: TestDatabase;
  let pool: Database;
  let broker: RunningBroker;
  let hook: Server;
  let home: string;
  let app: FastifyInstance | undefined;
  const webhook: string[] = [];
  let apiPort = 0;

  const startApi = async () => {
    app = buildDatabaseGateway(pool, { port: apiPort, log: quiet, rest: { jwtSecret: undefined, anonRole: 'web_anon' } });
    await app.listen({ port: apiPort, host: '127.0.0.1' });
  };
  const phases = async (device: number, seq: number, s2ByPhase: number[]) => {
    for (let p = 1; p <= 5; p++) {
      const start = new Date(Date.UTC(2026, 10, 21, 8, 0, 0) + seq * 30_000);
      await pool.query(
        `INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
         VALUES ($1, $2, $3, $2, $4, $5, $6, $7, $8, $9, $10)`,
        [device, seq, start, p, new Date(start.getTime() + (p - 1) * 6000), [2, 7, 15.5, 7, 2][p - 1], s2ByPhase[p - 1], [2, 15, 25, 15, 2][p - 1], [10, 32, 37, 42, 47][p - 1], [0.5, 1.5, 3.5, 2.5, 0.5][p - 1]],
      );
    }
  };

  before(async () => {
    t = await createTestDatabase('alerts');
    pool = createDatabase(t.url, { max: 3 });
    for (const id of [1, 2]) await pool.query('INSERT INTO devices (id, name, identity_public_key) VALUES ($1, $2, $3)', [id, `press-${id}`, Buffer.alloc(32, id)]);
    home = await mkdtemp(join(tmpdir(), 'alerts-home-'));
    await mkdir(join(home, 'secrets'), { recursive: true });
    await writeFile(join(home, 'secrets', 'mqtt-alert-client-password'), 'alert-pass\n');
    broker = await startBroker({ port: 0, persistenceDir: join(home, 'mqtt'), authenticate: async () => ({ ok: true, value: undefined }), alertClientPassword: 'alert-pass', log: quiet });
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        webhook.push((JSON.parse(body) as { id: string }).id);
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    apiPort = await freePort();
    await startApi();
  });
  after(async () => {
    await app?.close();
    await broker?.stop();
    await new Promise((r) => hook?.close(r));
    await pool?.close();
    await t?.drop();
    await rm(home, { recursive: true, force: true });
  });

  it('alerts each excursion exactly once on console, MQTT and webhook, with no alert missed', async () => {
    const env = { TYPEDCLUSTER_HOME: home, LOG_LEVEL: 'warn' };
    const flags = {
      api: `http://127.0.0.1:${apiPort}/api`, interval: '100ms', overlap: '1m', 'mqtt-url': broker.url,
      webhook: `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`,
    };
    const console: string[] = [];
    const runClient = () => {
      const io = recordingIo(env, home);
      const stop = new AbortController();
      const done = runAlerts(flags, io, stop.signal);
      return { io, stop: async () => (stop.abort(), assert.equal(await done, 0), console.push(...io.outLines.filter((l) => l.startsWith('ALERT')))) };
    };
    const alertsIn = (io: { outLines: string[] }) => io.outLines.filter((l) => l.startsWith('ALERT')).length;

    // The client's cursor starts now: rows are stored from here on.
    let c = runClient();
    await phases(1, 1, [2, 2, 40, 40, 2]); // s2 out in phases 3–4 (one alert), back in phase 5
    await until('first alerts', () => alertsIn(c.io) === 2);

    await app!.close(); // the API goes away…
    await phases(2, 1, [9, 2, 12, 2, 2]); // s2 out in phase 1 only
    await until('the outage said in one line', () => c.io.errLines.some((l) => l.includes('ALERT_API_UNREACHABLE')));
    assert.equal(c.io.errLines.filter((l) => l.includes('ALERT_API_UNREACHABLE')).length, 1, c.io.errLines.join('\n'));
    await startApi(); // …and comes back on the same address
    await until('alerts after the API restart', () => alertsIn(c.io) === 4);
    await c.stop();

    await phases(1, 2, [2, 2, 12, 2, 30]); // while the client is down: s2 out in phase 5
    c = runClient();
    await until('alerts after the client restart', () => alertsIn(c.io) === 1);
    await new Promise((r) => setTimeout(r, 500)); // more polls: nothing repeated
    await c.stop();

    const ids = console.map((l) => /id=(\S+)$/.exec(l)![1]!);
    const expected = ['out-of-range:1:s2:1/3', 'back-in-range:1:s2:1/5', 'out-of-range:2:s2:1/1', 'back-in-range:2:s2:1/2', 'out-of-range:1:s2:2/5'];
    assert.deepEqual(ids.sort(), [...expected].sort());
    await until('webhook deliveries', () => webhook.length >= expected.length);
    assert.deepEqual([...webhook].sort(), [...expected].sort());
    const state = JSON.parse(await readFile(join(home, 'alerts', 'state.json'), 'utf8')) as { pending: Record<string, unknown[]> };
    assert.deepEqual(Object.fromEntries(Object.entries(state.pending).map(([k, v]) => [k, v.length])), { console: 0, mqtt: 0, webhook: 0 });
  });
});
