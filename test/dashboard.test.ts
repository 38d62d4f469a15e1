import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createDatabase, createReadingStore, createTestDatabase, TYPICAL_MODEL, type Database, type TestDatabase } from '@typedcluster/core';
import { readDashboardConfig } from '@typedcluster/gateway';
import { buildDatabaseGateway } from '../gateway/src/testing/gateway-harness.js';
import { REPO_ROOT } from './support/test-platform.js';

/** Screenshots are kept here (gitignored): see docs/dashboard.md. */
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const WAIT = { timeout: 20_000 };

/** A cycle of PLC `plc` that started `ago` ms before now, every value inside its band unless `spike`. */
function cycle(plc: number, seq: number, ago: number, spike?: { phase: number; sensor: number; value: number }) {
  const phases = Array.from({ length: 5 }, (_, p) =>
    Array.from({ length: 5 }, (_, s) => {
      if (spike && spike.phase === p + 1 && spike.sensor === s + 1) return spike.value;
      const [lo, hi] = TYPICAL_MODEL[s]![p]!;
      return (lo + hi) / 2;
    }),
  );
  return { type: 'cycle' as const, device: plc, seq: String(seq), keyId: 1, cycleStart: new Date(Date.now() - ago).toISOString(), cycle: seq, phases };
}

describe('dashboard: the live page in headless Chromium @integration', function () {
  this.timeout(120_000);
  let tdb: TestDatabase;
  let pool: Database;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let url: string;
  const store = (records: ReturnType<typeof cycle>[]) => createReadingStore(tdb.db).storeRecords(records);

  before(async function () {
    tdb = await createTestDatabase('dashboard');
    for (const [id, name] of [[1, 'press-1'], [2, 'press-2'], [3, 'oven-3']] as const) {
      await tdb.db.query('INSERT INTO devices (id, name, identity_public_key) VALUES ($1, $2, $3)', [id, name, Buffer.alloc(32, id)]);
    }
    const stored = await store([cycle(1, 1, 60_000), cycle(2, 1, 60_000)]);
    assert.ok(stored.ok);
    // The gateway's HTTP app with its own pool, as startGateway builds it; no function processes are needed here.
    pool = createDatabase(tdb.url, { max: 3 });
    app = buildDatabaseGateway(pool, { dashboard: { config: readDashboardConfig({ DASHBOARD_POLL_INTERVAL: '200ms', DASHBOARD_HEALTH_INTERVAL: '500ms' }), model: TYPICAL_MODEL } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await pool?.close();
    await tdb?.drop();
  });

  it('serves the page and its assets offline (no CDN)', async () => {
    const html = await (await fetch(`${url}/dashboard/`)).text();
    assert.match(html, /\/dashboard\/assets\/uPlot\.iife\.min\.js/);
    assert.doesNotMatch(html, /https?:\/\//);
    const lib = await fetch(`${url}/dashboard/assets/uPlot.iife.min.js`);
    assert.equal(lib.status, 200);
    assert.match(await lib.text(), /uPlot/);
    assert.equal((await fetch(`${url}/dashboard/assets/..%2F..%2Fpackage.json`)).status, 404);
    const bad = await fetch(`${url}/dashboard/events?plcs=nope`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { code: string }).code, 'BAD_REQUEST');
  });

  it('loads, shows every PLC, presence and health, and the detail charts grow as rows are stored', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}/dashboard/#plc=1`);
    await page.waitForSelector('#grid .card[data-plc="1"]', WAIT);
    await page.waitForSelector('#grid .card[data-plc="2"]', WAIT);
    await page.waitForSelector('#conn[data-state="live"]', WAIT);
    await page.waitForSelector('.chart[data-sensor="s1"][data-points="5"]', WAIT);
    await page.waitForSelector('#presence tr[data-device="3"]', WAIT);
    await page.waitForSelector('#stored-rate', WAIT);
    await page.waitForFunction(`document.getElementById('detail-title')?.textContent === 'PLC 1 · press-1'`, undefined, WAIT);

    assert.ok((await store([cycle(1, 2, 30_000), cycle(1, 3, 0)])).ok);
    await page.waitForSelector('.chart[data-sensor="s1"][data-points="15"]', WAIT);
    await page.waitForSelector('.chart[data-sensor="s5"][data-points="15"]', WAIT);
    await page.waitForSelector('#grid .card[data-plc="1"][data-points="15"]', WAIT);
    // a PLC that starts sending appears without a reload
    assert.ok((await store([cycle(3, 1, 0)])).ok);
    await page.waitForSelector('#grid .card[data-plc="3"]', WAIT);
    assert.deepEqual(errors, []);
  });

  it('shows an inserted anomaly report as a badge and a marker on the charts', async () => {
    assert.ok((await store([cycle(1, 4, -30_000, { phase: 3, sensor: 2, value: 40 })])).ok);
    const ts = new Date(Date.now() + 30_000).toISOString();
    await tdb.db.query(
      `INSERT INTO anomaly_reports (plc_id, cycle_no, phase, ts, detector, score, threshold, is_anomaly, confidence, affected_sensors, report)
       VALUES (1, 4, 3, $1, 'phase-range', 5.2, 1, true, 0.97, '{s2}', '{}')`,
      [ts],
    );
    await page.waitForSelector('#grid .card[data-plc="1"] .badge[data-anomalies="1"]', WAIT);
    await page.waitForSelector('.chart[data-sensor="s2"][data-markers="1"]', WAIT);
    assert.equal(await page.getAttribute('#grid .card[data-plc="2"] .badge', 'data-anomalies'), '0');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it('fits a 360-px phone screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.waitForFunction('document.documentElement.scrollWidth <= 360', undefined, WAIT);
    const chartWidth = await page.$eval('.chart[data-sensor="s1"] canvas', (c) => c.getBoundingClientRect().width);
    assert.ok(chartWidth > 200 && chartWidth <= 360, `chart ${chartWidth}px wide`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-360.png'), fullPage: true });
  });
});
